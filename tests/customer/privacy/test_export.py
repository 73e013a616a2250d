"""A member's export from customer's side: who may ask, and an export that is whole or not
given (a service that does not answer is 503, naming it). The whole document, with every
service's part, is checked on the real stack in tests/e2e/test_erasure_search.py."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from huiyuan.embedded.ports import free_port
from services.customer.base import audit
from shared.db import Sessions
from tests.customer.conftest import new_phone
from tests.stack import Stack, member_headers, running, staff_headers

ADMIN = staff_headers("admin")


@pytest.fixture(scope="module")
async def app(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """The customer app whose peers are all away (closed ports)."""
    away = {
        f"{peer}_url": f"http://127.0.0.1:{free_port()}"
        for peer in ("orders", "loyalty", "messaging", "analytics")
    }
    async with running(stack.app("customer", export_timeout_seconds=2, **away)) as client:
        yield client


async def _member(app: httpx.AsyncClient) -> str:
    body = {"name": "韩梅梅", "phone": new_phone()}
    created = await app.post("/members", json=body, headers=staff_headers("service"))
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def test_a_service_that_does_not_answer_makes_it_503_and_nothing_is_given(
    app: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    member_id = await _member(app)
    answer = await app.get(f"/members/{member_id}/export", headers=ADMIN)
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"] == "urn:huiyuan:problem:export-peer-unavailable"
    assert problem["service"] in {"orders", "loyalty", "messaging", "analytics"}
    assert "韩梅梅" not in answer.text
    async with customer_sessions() as session:
        reads = await session.scalars(
            select(audit.table.c.operation).where(
                audit.table.c.member_id == uuid.UUID(member_id),
                audit.table.c.kind == "read",
            )
        )
        assert list(reads) == []  # nothing was given: a failed export records no read


async def test_only_an_admin_or_the_member_themself_exports(app: httpx.AsyncClient) -> None:
    member_id = await _member(app)
    other = await _member(app)
    url = f"/members/{member_id}/export"
    for headers in (
        member_headers(uuid.UUID(other)),
        staff_headers("service"),
        staff_headers("marketing"),
        staff_headers("analyst"),
    ):
        refused = await app.get(url, headers=headers)
        assert refused.status_code == 403, (headers, refused.text)
    unknown = await app.get(f"/members/{uuid.uuid4()}/export", headers=ADMIN)
    assert unknown.status_code == 404, unknown.text
    erased = await app.post(
        f"/members/{member_id}/erasure", headers=ADMIN | {"Idempotency-Key": f"e-{uuid.uuid4()}"}
    )
    assert erased.status_code == 202, erased.text
    gone = await app.get(url, headers=ADMIN)
    assert gone.status_code == 410, gone.text
