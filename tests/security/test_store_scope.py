"""Store scope: a manager whose token names a store reaches that store's keys, tickets and
members only (403 elsewhere; lists keep that store's rows), over the real orders and customer
apps."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from shared.errors import PROBLEM_JSON
from tests.customer.conftest import new_phone
from tests.security.tokens import manager_of
from tests.stack import Stack, running, staff_headers


def _forbidden(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.json()["type"] == "urn:huiyuan:problem:forbidden"


@pytest.fixture(scope="module")
async def orders(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with running(stack.app("orders")) as client:
        yield client


@pytest.fixture(scope="module")
async def customer(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with running(stack.app("customer")) as client:
        yield client


async def _store(orders: httpx.AsyncClient, name: str) -> tuple[uuid.UUID, str]:
    created = await orders.post("/stores", json={"name": name}, headers=staff_headers())
    assert created.status_code == 201, created.text
    return uuid.UUID(created.json()["id"]), created.json()["key_id"]


async def test_a_scoped_manager_manages_their_own_stores_keys_only(
    orders: httpx.AsyncClient,
) -> None:
    store_a, key_a = await _store(orders, "静安店")
    store_b, key_b = await _store(orders, "徐汇店")
    manager_a = manager_of(store_a)

    listed = await orders.get(f"/stores/{store_a}/keys", headers=manager_a)
    assert listed.status_code == 200, listed.text
    assert [k["id"] for k in listed.json()["items"]] == [key_a]
    rotated = await orders.post(f"/stores/{store_a}/keys", json={}, headers=manager_a)
    assert rotated.status_code == 201, rotated.text

    _forbidden(await orders.get(f"/stores/{store_b}/keys", headers=manager_a))
    _forbidden(await orders.post(f"/stores/{store_b}/keys", json={}, headers=manager_a))
    _forbidden(await orders.post(f"/stores/{store_b}/keys/{key_b}/revoke", headers=manager_a))
    _forbidden(await orders.post("/stores", json={"name": "x"}, headers=manager_a))
    # store B's key was neither rotated nor revoked by the refusals
    still = await orders.get(f"/stores/{store_b}/keys", headers=staff_headers())
    assert [(k["id"], k["revoked_at"]) for k in still.json()["items"]] == [(key_b, None)]

    revoked = await orders.post(f"/stores/{store_a}/keys/{key_a}/revoke", headers=manager_a)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    # a manager of no one store (regional) and an admin reach every store
    for headers in (manager_of(None), staff_headers()):
        assert (await orders.get(f"/stores/{store_b}/keys", headers=headers)).status_code == 200
    _forbidden(await orders.get(f"/stores/{store_b}/keys", headers=staff_headers("service")))


async def _ticket(customer: httpx.AsyncClient, headers: dict[str, str], **fields: Any) -> Any:
    body = {"kind": "complaint", "channel": "store", "description": "鱼油过期了", **fields}
    response = await customer.post(
        "/tickets", json=body, headers=headers | {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    )
    return response


async def test_a_scoped_manager_sees_and_moves_their_stores_tickets_only(
    customer: httpx.AsyncClient,
) -> None:
    store_a, store_b = uuid.uuid4(), uuid.uuid4()
    desk = staff_headers("service")
    of_a = (await _ticket(customer, desk, store_id=str(store_a))).json()
    of_b = (await _ticket(customer, desk, store_id=str(store_b))).json()
    hotline = (await _ticket(customer, desk)).json()
    manager_a = manager_of(store_a)

    listed = await customer.get("/tickets", params={"limit": 200}, headers=manager_a)
    assert listed.status_code == 200, listed.text
    ids = {t["id"] for t in listed.json()["items"]}
    assert of_a["id"] in ids
    assert not ids & {of_b["id"], hotline["id"]}
    everyone = await customer.get("/tickets", params={"limit": 200}, headers=manager_of(None))
    assert {of_a["id"], of_b["id"], hotline["id"]} <= {t["id"] for t in everyone.json()["items"]}

    read = await customer.get(f"/tickets/{of_a['id']}", headers=manager_a)
    assert read.status_code == 200, read.text
    for other in (of_b, hotline):
        _forbidden(await customer.get(f"/tickets/{other['id']}", headers=manager_a))
        _forbidden(await customer.get(f"/tickets/{other['id']}/history", headers=manager_a))
        judged = await customer.post(
            f"/tickets/{other['id']}/judgement", json={"valid": True}, headers=manager_a
        )
        _forbidden(judged)
    unmoved = await customer.get(f"/tickets/{of_b['id']}", headers=desk)
    assert unmoved.json()["state"] == "recorded"
    moved = await customer.post(
        f"/tickets/{of_a['id']}/judgement", json={"valid": True}, headers=manager_a
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["state"] == "judged"
    assert (await customer.get(f"/tickets/{uuid.uuid4()}", headers=manager_a)).status_code == 404


async def test_a_scoped_managers_ticket_is_their_stores(customer: httpx.AsyncClient) -> None:
    store_a = uuid.uuid4()
    manager_a = manager_of(store_a)

    recorded = await _ticket(customer, manager_a)
    assert recorded.status_code == 201, recorded.text
    read = await customer.get(f"/tickets/{recorded.json()['id']}", headers=manager_a)
    assert read.json()["store_id"] == str(store_a)
    _forbidden(await _ticket(customer, manager_a, store_id=str(uuid.uuid4())))


async def _member(customer: httpx.AsyncClient, name: str, store: uuid.UUID) -> dict[str, Any]:
    body = {"name": name, "phone": new_phone(), "store_id": str(store)}
    created = await customer.post("/members", json=body, headers=staff_headers("service"))
    assert created.status_code == 201, created.text
    member: dict[str, Any] = created.json()
    return member


async def test_a_scoped_manager_lists_and_finds_their_stores_members_only(
    customer: httpx.AsyncClient,
) -> None:
    store_a, store_b = uuid.uuid4(), uuid.uuid4()
    surname = f"Scope{uuid.uuid4().hex[:6]}"
    of_a = await _member(customer, f"{surname} Ann", store_a)
    of_b = await _member(customer, f"{surname} Bo", store_b)
    manager_a = manager_of(store_a)

    async def ids(headers: dict[str, str], **query: str) -> set[str]:
        answer = await customer.get("/members", params={"limit": 200, **query}, headers=headers)
        assert answer.status_code == 200, answer.text
        return {m["id"] for m in answer.json()["items"]}

    assert await ids(manager_a) == {of_a["id"]}
    assert await ids(manager_a, q=surname) == {of_a["id"]}
    assert await ids(manager_a, name=surname.lower()) == {of_a["id"]}
    assert await ids(manager_a, card_number=of_b["card_number"]) == set()
    assert await ids(manager_a, card_number=of_a["card_number"]) == {of_a["id"]}
    assert await ids(manager_a, store_id=str(store_a)) == {of_a["id"]}
    _forbidden(await customer.get("/members", params={"store_id": str(store_b)}, headers=manager_a))
    # staff of every store see both, and may ask for one store's
    assert await ids(staff_headers("service"), q=surname) == {of_a["id"], of_b["id"]}
    assert await ids(manager_of(None), q=surname) == {of_a["id"], of_b["id"]}
    assert await ids(staff_headers("service"), q=surname, store_id=str(store_b)) == {of_b["id"]}
    # a list is all a manager reads: a member's profile stays with the desk's roles
    _forbidden(await customer.get(f"/members/{of_a['id']}", headers=manager_a))
