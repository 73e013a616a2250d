"""``POST /stores`` over the real app."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import func, select

from services.orders.stores.models import Store, StoreKey
from shared.auth import hash_api_key
from shared.db import Sessions
from tests.orders.conftest import is_problem
from tests.stack import staff_headers


async def test_an_admin_registers_a_store_and_its_key_works(
    client: httpx.AsyncClient, orders_sessions: Sessions
) -> None:
    created = await client.post("/stores", json={"name": "静安店"}, headers=staff_headers())
    assert created.status_code == 201, created.text
    api_key = created.json()["api_key"]

    listed = await client.get("/purchases", headers={"X-API-Key": api_key})

    assert listed.status_code == 200
    async with orders_sessions() as session:
        stored = await session.get(StoreKey, created.json()["key_id"])
        assert stored is not None
        assert stored.key_hash == hash_api_key(api_key)
        assert stored.store_id == uuid.UUID(created.json()["id"])
    assert api_key.startswith(f"hy_{stored.id}_")
    refused = await client.post("/stores", json={"name": "x"}, headers=staff_headers("marketing"))
    is_problem(refused, 403)


async def test_a_store_name_is_trimmed(
    client: httpx.AsyncClient, orders_sessions: Sessions
) -> None:
    created = await client.post(
        "/stores", json={"name": "  徐汇店 Xuhui store\u3000"}, headers=staff_headers()
    )
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "徐汇店 Xuhui store"
    async with orders_sessions() as session:
        stored = await session.get(Store, uuid.UUID(created.json()["id"]))
        assert stored is not None
        assert stored.name == "徐汇店 Xuhui store"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("静安\x00店", "U+0000"),
        ("静安\n店", "single line"),
        ("静安\r店", "single line"),
        ("静安\u2028店", "single line"),
        ("\x1b[31m静安店", "U+001B"),
        ("  \u3000 ", "must not be blank"),
        ("店" * 101, "at most 100 characters"),
        (7, "string"),
    ],
)
async def test_a_bad_store_name_is_a_422_and_no_store(
    client: httpx.AsyncClient, orders_sessions: Sessions, name: object, message: str
) -> None:
    async with orders_sessions() as session:
        stores_before = await session.scalar(select(func.count()).select_from(Store))

    response = await client.post("/stores", json={"name": name}, headers=staff_headers())

    (error,) = is_problem(response, 422)["errors"]
    assert error["location"] == "body.name"
    assert message in error["message"]
    async with orders_sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Store)) == stores_before
