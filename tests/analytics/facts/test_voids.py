"""A voided sale counts as no sale: not in the member's counters, not in the KPIs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.analytics.facts.errors import PurchaseNotKnown
from services.analytics.facts.models import MemberStats, Purchase
from shared.db import Sessions
from shared.events import CloudEvent
from shared.events.orders import PurchaseCompleted
from tests.analytics import events
from tests.analytics.conftest import ANALYST, Feed, apply, caught_up
from tests.stack import Stack, eventually


async def _member(sessions: Sessions, member_id: uuid.UUID) -> MemberStats:
    async with sessions() as session:
        row = await session.get(MemberStats, member_id)
    assert row is not None
    return row


def _again(sale: CloudEvent) -> CloudEvent:
    """The same purchase under a new envelope, as a republish after broker amnesia sends it."""
    return CloudEvent.of(sale.payload(PurchaseCompleted), source="/huiyuan/orders")


async def test_a_voided_sale_leaves_the_members_counters_once(
    analytics_sessions: Sessions, handlers: Feed
) -> None:
    member_id = uuid.uuid4()
    first = datetime.now(UTC) - timedelta(days=3)
    kept = events.purchase(member_id, 10_000, at=first)
    mistaken = events.purchase(member_id, 4_000, at=first + timedelta(days=1))
    await apply(analytics_sessions, handlers, events.registered(member_id), kept, mistaken)
    assert (await _member(analytics_sessions, member_id)).last_purchase_at == first + timedelta(
        days=1
    )

    await apply(
        analytics_sessions,
        handlers,
        events.voided(mistaken),
        events.voided(mistaken),
        _again(mistaken),
    )

    row = await _member(analytics_sessions, member_id)
    assert (row.purchase_count, row.spend_fen, row.returned_fen) == (1, 10_000, 0)
    assert (row.first_purchase_at, row.last_purchase_at) == (first, first)
    async with analytics_sessions() as session:
        fact = await session.get(Purchase, mistaken.payload(PurchaseCompleted).purchase_id)
    assert fact is not None
    assert fact.voided_at is not None


async def test_a_members_only_sale_voided_leaves_no_purchase_times(
    analytics_sessions: Sessions, handlers: Feed
) -> None:
    member_id = uuid.uuid4()
    only = events.purchase(member_id, 2_500)
    await apply(analytics_sessions, handlers, events.registered(member_id), only)
    await apply(analytics_sessions, handlers, events.voided(only))
    row = await _member(analytics_sessions, member_id)
    assert (row.purchase_count, row.first_purchase_at, row.last_purchase_at) == (0, None, None)


async def test_a_void_of_an_unknown_purchase_waits_for_it(
    analytics_sessions: Sessions, handlers: Feed
) -> None:
    never_seen = events.purchase(uuid.uuid4(), 5_000)
    with pytest.raises(PurchaseNotKnown, match="has not recorded"):
        await apply(analytics_sessions, handlers, events.voided(never_seen))


async def test_the_kpis_count_neither_a_voided_sale_nor_its_buyer(
    client: httpx.AsyncClient,
    stack: Stack,
    analytics_app: FastAPI,
    analytics_sessions: Sessions,
    handlers: Feed,
) -> None:

    async def kpis() -> dict[str, Any]:
        response = await client.get("/kpis", headers=ANALYST)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    # no other event reaches the app's consumer meanwhile
    await eventually(lambda: caught_up(stack, analytics_app), timeout=20, interval=0.3)
    member_id = uuid.uuid4()
    sale = events.purchase(member_id, 7_000, at=datetime.now(UTC) - timedelta(hours=1))
    before = await kpis()
    await apply(analytics_sessions, handlers, events.registered(member_id), sale)
    counted = await kpis()
    await apply(analytics_sessions, handlers, events.voided(sale))
    after = await kpis()

    assert counted["purchases"] - before["purchases"] == 1
    for key in ("purchases", "purchasing_members", "revenue_fen", "active_members_30d"):
        assert after[key] - before[key] == 0, key
    assert after["members"] - before["members"] == 1
