"""An erased member's facts stay in analytics for the KPIs, under an id no one can link to
them: totals do not move, no row names the member, and a redelivery changes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select, text

from services.analytics.facts.models import MemberStats, Purchase
from shared.db import Sessions
from shared.events import CloudEvent
from shared.events.customer import MemberErased
from tests.analytics import events
from tests.analytics.conftest import Feed, apply


def _erased(member_id: uuid.UUID) -> CloudEvent:
    payload = MemberErased(member_id=member_id, erased_at=datetime.now(UTC))
    return CloudEvent.of(payload, source="/huiyuan/customer")


async def _totals(sessions: Sessions) -> tuple[int, int]:
    async with sessions() as session:
        members = await session.scalar(select(func.count()).select_from(MemberStats))
        spend = await session.scalar(select(func.coalesce(func.sum(Purchase.total_fen), 0)))
    return int(members or 0), int(spend or 0)


async def _rows_naming(sessions: Sessions, member_id: uuid.UUID) -> list[str]:
    async with sessions() as session:
        tables = await session.execute(
            text(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'analytics' AND table_type = 'BASE TABLE'"
            )
        )
        found = []
        for (table,) in tables.all():
            rows = await session.execute(text(f'SELECT t::text FROM analytics."{table}" t'))
            found += [table for (row,) in rows.all() if str(member_id) in row]
    return found


async def test_the_facts_are_rekeyed_and_the_totals_stay(
    analytics_sessions: Sessions, handlers: Feed
) -> None:
    member_id, friend = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    await apply(
        analytics_sessions,
        handlers,
        events.registered(member_id),
        events.registered(friend),
        events.purchase(member_id, 25_800),
        events.account_opened(member_id),
        events.surveyed(member_id, 5, now),
        events.referred(friend, member_id, now),
    )
    before = await _totals(analytics_sessions)
    assert await _rows_naming(analytics_sessions, member_id)  # the search can fail

    erasure = _erased(member_id)
    await apply(analytics_sessions, handlers, erasure)
    assert await _totals(analytics_sessions) == before
    assert await _rows_naming(analytics_sessions, member_id) == []
    async with analytics_sessions() as session:
        assert await session.get(MemberStats, friend) is not None  # the friend is untouched

    await apply(analytics_sessions, handlers, erasure)  # a redelivery changes nothing
    assert await _totals(analytics_sessions) == before
