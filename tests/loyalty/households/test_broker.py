"""Households through the real broker: customer's events change loyalty's accounts."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.loyalty.points.invariants import check_ledger_invariants
from shared.db import Sessions
from shared.kafka import create_producer
from tests.customer.conftest import new_phone
from tests.loyalty.conftest import handle, purchase_event
from tests.loyalty.households.conftest import created, joined, left, pooled
from tests.stack import (
    Stack,
    eventually,
    forget_earlier_events,
    running,
    skip_backlog,
    staff_headers,
)

STAFF = staff_headers("service")


@pytest.fixture(scope="module")
async def apps(stack: Stack) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Customer, and loyalty consuming from the broker with a group of its own that starts
    at the topics' end (events earlier tests left name members this test never made)."""
    group = f"loyalty-households-{uuid.uuid4().hex[:8]}"
    loyalty = stack.app("loyalty", consumer_group_id=group)
    await forget_earlier_events(stack)
    await skip_backlog(stack.bootstrap_servers, group, loyalty.state.spec.subscriptions)
    async with running(stack.app("customer")) as customer, running(loyalty) as client:
        yield customer, client


async def _member(customer: httpx.AsyncClient) -> dict[str, Any]:
    response = await customer.post(
        "/members", json={"name": "韩梅梅", "phone": new_phone()}, headers=STAFF
    )
    assert response.status_code == 201, response.text
    member: dict[str, Any] = response.json()
    return member


async def _view(loyalty: httpx.AsyncClient, member: dict[str, Any]) -> dict[str, Any] | None:
    response = await loyalty.get(f"/members/{member['id']}/loyalty", headers=STAFF)
    return dict(response.json()) if response.status_code == 200 else None


async def test_a_household_pools_and_unpools_points_through_the_broker(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient], loyalty_sessions: Sessions
) -> None:
    customer, loyalty = apps
    head, other = await _member(customer), await _member(customer)
    await handle(loyalty_sessions, purchase_event(uuid.UUID(head["id"]), 30_000))  # 300
    await handle(loyalty_sessions, purchase_event(uuid.UUID(other["id"]), 20_000))  # 200
    await loyalty.put(
        "/program/household-policy",
        json={"leaving_share": "equal_share"},
        headers=staff_headers("marketing"),
    )
    own = (await _view(loyalty, head) or {})["account_id"]

    opened = await customer.post(
        "/households", json={"head_card_number": head["card_number"]}, headers=STAFF
    )
    assert opened.status_code == 201, opened.text
    household_id = opened.json()["id"]

    async def pooled_head() -> dict[str, Any] | None:
        view = await _view(loyalty, head)
        return view if view and view["account_id"] != own else None

    pool = (await eventually(pooled_head, timeout=20))["account_id"]
    joined = await customer.post(
        f"/households/{household_id}/members",
        json={"card_number": other["card_number"]},
        headers=STAFF,
    )
    assert joined.status_code == 201, joined.text

    async def both_see_the_pool() -> bool:
        views = [await _view(loyalty, head), await _view(loyalty, other)]
        return all(v and (v["account_id"], v["balance"]) == (pool, 500) for v in views)

    await eventually(both_see_the_pool, timeout=20)
    spent = await loyalty.post(
        f"/members/{other['id']}/redemptions",
        json={"points": 100, "reason": "兑换毛巾"},
        headers=STAFF | {"Idempotency-Key": uuid.uuid4().hex},
    )
    assert spent.status_code == 201, spent.text
    assert (spent.json()["account_id"], spent.json()["balance"]) == (pool, 400)

    left = await customer.delete(
        f"/households/{household_id}/members/{other['card_number']}", headers=STAFF
    )
    assert left.status_code == 200, left.text

    async def on_their_own() -> dict[str, Any] | None:
        view = await _view(loyalty, other)
        return view if view and view["account_id"] != pool else None

    assert (await eventually(on_their_own, timeout=20))["balance"] == 200  # 400 / 2 holders
    assert (await _view(loyalty, head) or {})["balance"] == 200
    state = await pooled(loyalty_sessions, uuid.UUID(other["id"]))
    assert (state.pooled_into, state.own_balance) == (None, 200)
    async with loyalty_sessions() as session:
        report = await check_ledger_invariants(
            session, members=[uuid.UUID(head["id"]), uuid.UUID(other["id"])]
        )
    assert report.ok, str(report)


async def test_a_leaving_ahead_of_its_joining_on_the_same_partition_waits_for_it(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient], loyalty_sessions: Sessions, stack: Stack
) -> None:
    """The log a broker restart leaves: the new leaving first, then the relay's republished
    opening, joining and leaving (the same event id again), all on the household's key.
    Holding the partition back at the leaving would never reach the joining behind it."""
    _, loyalty = apps
    head, other = uuid.uuid4(), uuid.uuid4()
    await handle(loyalty_sessions, purchase_event(head, 30_000))  # 300
    await handle(loyalty_sessions, purchase_event(other, 20_000))  # 200
    await loyalty.put(
        "/program/household-policy",
        json={"leaving_share": "equal_share"},
        headers=staff_headers("marketing"),
    )
    household_id = uuid.uuid4()
    leaving = left(household_id, other, version=2)
    producer = create_producer(stack.bootstrap_servers)
    await producer.start()
    try:
        for event in (
            leaving,
            created(household_id, head, version=1),
            joined(household_id, other, version=1),
            leaving,
        ):
            await producer.send_and_wait(event.topic, event.to_json(), key=event.key.encode())
    finally:
        await producer.stop()

    async def head_pooled() -> Any:
        state = await pooled(loyalty_sessions, head)
        return state if state.pool_balance == 250 else None

    # joined: 500 on the pool; left with an equal share: 500 // 2
    assert (await eventually(head_pooled, timeout=20)).pooled_into is not None
    state = await pooled(loyalty_sessions, other)
    assert (state.pooled_into, state.own_balance) == (None, 250)
