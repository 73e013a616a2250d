from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.analytics import domain
from services.analytics.consumers import HANDLERS
from shared.db import Sessions
from shared.inbox import subscriptions
from shared.kafka import create_producer
from tests.analytics import events
from tests.analytics.conftest import Feed, apply
from tests.stack import (
    Stack,
    consumer_caught_up,
    eventually,
    member_headers,
    running,
    staff_headers,
)

ANALYST = staff_headers("analyst")
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with running(stack.app("analytics")) as client:
        yield client


async def _caught_up(stack: Stack) -> bool:
    return await consumer_caught_up(stack.bootstrap_servers, "analytics", subscriptions(HANDLERS))


async def _kpis(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/kpis", params=params, headers=ANALYST)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _repeat_members(kpis: dict[str, Any]) -> int:
    return round(float(kpis["repeat_purchase_rate"]) * int(kpis["purchasing_members"]))


async def test_kpis_move_by_exactly_the_events_applied(
    client: httpx.AsyncClient, stack: Stack, analytics_sessions: Sessions, handlers: Feed
) -> None:
    await eventually(lambda: _caught_up(stack), timeout=20, interval=0.3)
    before, before_60 = await _kpis(client), await _kpis(client, days=60)

    now = datetime.now(UTC)
    repeat, lapsed, refunded, unregistered = (uuid.uuid4() for _ in range(4))
    refunded_sale = events.purchase(refunded, 9_000, at=now - timedelta(days=1))
    partly_returned = events.purchase(unregistered, 3_000, at=now - timedelta(days=3))
    await apply(
        analytics_sessions,
        handlers,
        events.registered(repeat),
        events.purchase(repeat, 10_000, at=now - timedelta(days=40)),
        events.purchase(repeat, 20_000, at=now - timedelta(days=2)),
        events.registered(lapsed),
        events.purchase(lapsed, 6_000, at=now - timedelta(days=45)),
        events.registered(refunded),
        refunded_sale,
        events.returned(refunded_sale, 9_000),
        partly_returned,  # registration not arrived yet: a buyer, not a member
        events.returned(partly_returned, 1_000),
    )
    after, after_60 = await _kpis(client), await _kpis(client, days=60)

    def delta(key: str, new: dict[str, Any] = after, old: dict[str, Any] = before) -> Any:
        return new[key] - old[key]

    assert delta("members") == 3
    assert delta("purchasing_members") == 3  # the fully refunded buyer does not count
    assert delta("purchases") == 4
    assert delta("revenue_fen") == 10_000 + 20_000 + 6_000 + 2_000
    assert delta("active_members_30d") == 2
    assert delta("active_members_30d", after_60, before_60) == 3
    assert (after["active_window_days"], after_60["active_window_days"]) == (30, 60)
    assert _repeat_members(after) - _repeat_members(before) == 1
    assert after["average_order_value_fen"] == domain.average_order_value_fen(
        after["revenue_fen"], after["purchases"]
    )
    assert isinstance(after["average_order_value_fen"], int)
    assert isinstance(after["revenue_fen"], int)
    assert 0.0 <= after["repeat_purchase_rate"] <= 1.0
    assert datetime.fromisoformat(after["as_of"]) >= now


async def test_a_member_reads_their_own_summary(
    client: httpx.AsyncClient, analytics_sessions: Sessions, handlers: Feed
) -> None:
    member_id = uuid.uuid4()
    now = datetime.now(UTC)
    registered_at = now - timedelta(days=20)
    first, last = now - timedelta(days=15), now - timedelta(days=2)
    returned_sale = events.purchase(member_id, 5_000, at=first)
    await apply(
        analytics_sessions,
        handlers,
        events.registered(member_id, at=registered_at),
        returned_sale,
        events.purchase(member_id, 25_000, at=last),
        events.returned(returned_sale, 5_000),
        events.tier_changed(member_id, "vip"),
    )

    response = await client.get(f"/members/{member_id}/summary", headers=member_headers(member_id))
    by_staff = await client.get(f"/members/{member_id}/summary", headers=staff_headers("service"))

    assert response.status_code == 200, response.text
    assert by_staff.json() == response.json()
    summary = response.json()
    assert summary == {
        "member_id": str(member_id),
        "registered_at": summary["registered_at"],
        "purchase_count": 1,
        "spend_fen": 30_000,
        "returned_fen": 5_000,
        "net_spend_fen": 25_000,
        "first_purchase_at": summary["first_purchase_at"],
        "last_purchase_at": summary["last_purchase_at"],
        "days_since_last_purchase": 2,
        "tier_code": "vip",
    }
    assert datetime.fromisoformat(summary["registered_at"]) == registered_at
    assert datetime.fromisoformat(summary["first_purchase_at"]) == first
    assert datetime.fromisoformat(summary["last_purchase_at"]) == last


async def test_events_from_the_broker_reach_the_summary_and_redelivery_is_harmless(
    client: httpx.AsyncClient, stack: Stack
) -> None:
    member_id = uuid.uuid4()
    first, second = events.purchase(member_id, 7_000), events.purchase(member_id, 3_000)
    producer = create_producer(stack.bootstrap_servers)
    await producer.start()
    try:
        for envelope in (events.registered(member_id), first, first, second):
            await producer.send_and_wait(
                envelope.topic, envelope.to_json(), key=envelope.subject.encode()
            )
    finally:
        await producer.stop()

    async def summary() -> dict[str, Any] | None:
        response = await client.get(f"/members/{member_id}/summary", headers=ANALYST)
        if response.status_code != 200:
            return None
        body: dict[str, Any] = response.json()
        # the second purchase follows the duplicate on the same partition
        return body if body["spend_fen"] >= 10_000 and body["registered_at"] else None

    body = await eventually(summary, timeout=20)
    assert (body["purchase_count"], body["spend_fen"]) == (2, 10_000)


@pytest.mark.parametrize(
    "headers",
    [member_headers(uuid.uuid4()), staff_headers("service")],
    ids=["member", "service-staff"],
)
async def test_kpis_are_for_analysts_and_marketing(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get("/kpis", headers=headers)
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM
    assert "analyst" in response.json()["detail"]
    for role in ("marketing", "admin"):
        allowed = await client.get("/kpis", headers=staff_headers(role))
        assert allowed.status_code == 200, allowed.text


async def test_kpis_need_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/kpis")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize("days", ["0", "366", "-3", "soon"])
async def test_an_activity_window_outside_one_to_365_days_is_rejected(
    client: httpx.AsyncClient, days: str
) -> None:
    response = await client.get("/kpis", params={"days": days}, headers=ANALYST)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["location"] == "query.days"


async def test_an_unknown_member_is_a_404_problem(client: httpx.AsyncClient) -> None:
    member_id = uuid.uuid4()
    response = await client.get(f"/members/{member_id}/summary", headers=ANALYST)
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert str(member_id) in response.json()["detail"]


async def test_a_member_cannot_read_another_members_summary(
    client: httpx.AsyncClient, analytics_sessions: Sessions, handlers: Feed
) -> None:
    member_id = uuid.uuid4()
    await apply(analytics_sessions, handlers, events.registered(member_id))
    response = await client.get(
        f"/members/{member_id}/summary", headers=member_headers(uuid.uuid4())
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM
    mine = await client.get(f"/members/{member_id}/summary", headers=member_headers(member_id))
    assert mine.status_code == 200
