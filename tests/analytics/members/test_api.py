from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from shared.db import Sessions
from shared.kafka import create_producer
from tests.analytics import events
from tests.analytics.conftest import ANALYST, PROBLEM, Feed, apply
from tests.stack import Stack, eventually, member_headers, staff_headers


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


async def test_an_unknown_member_is_a_404_problem(client: httpx.AsyncClient) -> None:
    member_id = uuid.uuid4()
    response = await client.get(f"/members/{member_id}/summary", headers=ANALYST)
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == "urn:huiyuan:problem:member-summary-not-found"
    assert problem["title"] == "No summary for this member"
    assert str(member_id) in problem["detail"]
    assert [error["location"] for error in problem["errors"]] == ["path.member_id"]


@pytest.mark.parametrize(
    "value", ["not-a-uuid", "7d1c0a52-7a7e-4d39-9a55", "1" * 500, "%00", "-1", "2" * 40]
)
async def test_a_member_id_that_is_no_uuid_is_a_422_naming_it(
    client: httpx.AsyncClient, value: str
) -> None:
    response = await client.get(f"/members/{value}/summary", headers=ANALYST)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert [error["location"] for error in response.json()["errors"]] == ["path.member_id"]


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


async def test_a_member_who_never_changed_tier_reads_the_tier_loyalty_opened_them_on(
    client: httpx.AsyncClient, analytics_sessions: Sessions, handlers: Feed
) -> None:
    """Issue 10: the summary said ``tier_code: null`` while loyalty said ``standard``."""
    member_id = uuid.uuid4()
    await apply(
        analytics_sessions,
        handlers,
        events.registered(member_id),
        events.purchase(member_id, 1_000),
        events.account_opened(member_id, "standard"),
    )
    response = await client.get(f"/members/{member_id}/summary", headers=ANALYST)
    assert response.status_code == 200, response.text
    assert response.json()["tier_code"] == "standard"
