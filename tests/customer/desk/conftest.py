"""Fixtures of the service desk tests: the customer app and helpers to make tickets."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.customer.base import outbox
from shared.db import Sessions
from shared.errors import PROBLEM_JSON
from tests.customer.conftest import new_phone
from tests.stack import Stack, running, staff_headers

DESK = staff_headers("service")


@pytest.fixture(scope="module")
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with running(stack.app("customer")) as client:
        yield client


def key() -> dict[str, str]:
    return {"Idempotency-Key": f"k-{uuid.uuid4()}"}


async def new_member(client: httpx.AsyncClient, **extra: Any) -> dict[str, Any]:
    body = {"name": "李雷", "phone": new_phone(), **extra}
    response = await client.post("/members", json=body, headers=DESK)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def new_ticket(
    client: httpx.AsyncClient, headers: dict[str, str] = DESK, **fields: Any
) -> dict[str, Any]:
    body = {"kind": "complaint", "channel": "hotline", "description": "鱼油过期了", **fields}
    response = await client.post("/tickets", json=body, headers=headers | key())
    assert response.status_code == 201, response.text
    ticket: dict[str, Any] = response.json()
    return ticket


def problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["type"] == f"urn:huiyuan:problem:{slug}"
    return body


async def events_of(sessions: Sessions, ticket_id: str) -> list[tuple[str, dict[str, Any]]]:
    table = outbox.table
    async with sessions() as session:
        rows = await session.scalars(
            select(table.c.envelope)
            .where(table.c.envelope["subject"].astext == ticket_id)
            .order_by(table.c.seq)
        )
        return [(envelope["type"], envelope["data"]) for envelope in rows]
