"""A database written by the previous release upgrades to this one with its data intact.

The previous release's head is ``b8d4e2f6a1c9``; its rows are inserted with plain SQL, the
way that release wrote them, in a scratch database of its own (the stack's is shared).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import select

from huiyuan.provision import upgrade
from services.analytics.base import SCHEMA, AnalyticsTable
from services.analytics.facts.models import (
    MemberStats,
    NotificationDay,
    Purchase,
    PurchaseReturn,
    TierHistory,
)
from shared.db import Sessions, create_sessions, transaction
from shared.events import CloudEvent
from tests.analytics import events
from tests.stack import Scratch, Stack

PREVIOUS_HEAD = "b8d4e2f6a1c9"
BOUGHT_AT = datetime(2026, 10, 3, 6, 30, tzinfo=UTC)


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
async def previous_release(stack: Stack) -> AsyncIterator[str]:
    """The URL of a scratch database with analytics migrated to the previous release."""
    async with stack.scratch_database("analytics", PREVIOUS_HEAD) as url:
        yield url


async def _write_as_previous_release(url: str, changed: uuid.UUID, plain: uuid.UUID) -> None:
    connection = await asyncpg.connect(_dsn(url))
    purchase_id, return_id = uuid.uuid4(), uuid.uuid4()
    try:
        await connection.execute(
            "INSERT INTO analytics.members (member_id, registered_at, store_id, purchase_count,"
            " spend_fen, returned_fen, first_purchase_at, last_purchase_at, tier_code)"
            " VALUES ($1, $2, $3, 1, 30000, 5000, $4, $4, 'vip'),"
            " ($5, $2, $3, 0, 0, 0, NULL, NULL, NULL)",
            changed,
            BOUGHT_AT.replace(day=1),
            events.STORE_ID,
            BOUGHT_AT,
            plain,
        )
        await connection.execute(
            "INSERT INTO analytics.purchases (purchase_id, member_id, store_id, total_fen,"
            " returned_fen, fully_returned, purchased_at) VALUES ($1, $2, $3, 30000, 5000,"
            " false, $4)",
            purchase_id,
            changed,
            events.STORE_ID,
            BOUGHT_AT,
        )
        await connection.execute(
            "INSERT INTO analytics.returns (return_id, purchase_id, amount_fen, returned_at)"
            " VALUES ($1, $2, 5000, $3)",
            return_id,
            purchase_id,
            BOUGHT_AT,
        )
        await connection.execute(
            "INSERT INTO analytics.notification_days (day, channel, status, count)"
            " VALUES ('2026-10-03', 'sms', 'sent', 7)"
        )
    finally:
        await connection.close()


async def _apply(sessions: Sessions, stack: Stack, *envelopes: CloudEvent) -> None:
    handlers = stack.handlers("analytics")
    for envelope in envelopes:
        async with transaction(sessions) as session:
            await handlers[envelope.type](session, envelope)


async def test_the_previous_releases_data_upgrades_and_keeps_its_tiers(
    stack: Stack, previous_release: str
) -> None:
    changed, plain = uuid.uuid4(), uuid.uuid4()
    await _write_as_previous_release(previous_release, changed, plain)

    await asyncio.to_thread(upgrade, "analytics", previous_release)

    engine = create_async_engine(previous_release)
    sessions = create_sessions(engine)
    try:
        async with sessions() as session:
            row = await session.get(MemberStats, changed)
            assert row is not None
            counters = (row.purchase_count, row.spend_fen, row.returned_fen, row.last_purchase_at)
            assert counters == (1, 30_000, 5_000, BOUGHT_AT)
            assert (row.tier_code, row.tier_changed_at) == ("vip", None)
            purchase = (await session.scalars(select(Purchase))).one()
            assert (purchase.member_id, purchase.total_fen, purchase.returned_fen) == (
                changed,
                30_000,
                5_000,
            )
            assert (await session.scalars(select(PurchaseReturn.amount_fen))).all() == [5_000]
            day = await session.get(NotificationDay, (date(2026, 10, 3), "sms", "sent"))
            assert day is not None
            assert day.count == 7
            # the tier history starts with the tier known, from the registration
            history = await session.execute(
                select(TierHistory.member_id, TierHistory.at, TierHistory.tier_code)
            )
            assert history.all() == [(changed, BOUGHT_AT.replace(day=1), "vip")]

        # loyalty's upgrade then announces both accounts with their current tier
        await _apply(
            sessions,
            stack,
            events.account_opened(changed, "vip"),
            events.account_opened(plain, "standard"),
        )
        async with sessions() as session:
            tiers = await session.execute(select(MemberStats.member_id, MemberStats.tier_code))
            assert sorted(tiers.all()) == sorted([(changed, "vip"), (plain, "standard")])
    finally:
        await engine.dispose()


async def test_the_migrations_build_exactly_the_tables_the_models_declare(
    previous_release: str,
) -> None:
    await asyncio.to_thread(upgrade, "analytics", previous_release)
    engine = create_async_engine(previous_release)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(_differences)
    finally:
        await engine.dispose()
    assert differences == [], "\n".join(str(d)[:150] for d in differences)


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={
            "include_schemas": True,
            "include_name": lambda name, kind, _: kind != "schema" or name in (None, SCHEMA),
            "compare_type": True,
        },
    )
    return list(compare_metadata(context, AnalyticsTable.metadata))


async def test_member_purchase_times_set_by_a_voided_sale_are_corrected(stack: Stack) -> None:
    """Before ``4e7c9a1d2b36`` a void left the member's first and last purchase times as the
    voided sale had set them."""
    member, kept, voided = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    later = BOUGHT_AT.replace(day=9)
    async with stack.scratch_database("analytics", "69d3e5489d6f") as url:
        scratch = Scratch("analytics", url)
        await scratch.sql(
            "INSERT INTO analytics.members (member_id, registered_at, store_id, purchase_count,"
            " spend_fen, returned_fen, first_purchase_at, last_purchase_at)"
            " VALUES ($1, $2, $3, 1, 30000, 0, $2, $4)",
            member,
            BOUGHT_AT,
            events.STORE_ID,
            later,
        )
        await scratch.sql(
            "INSERT INTO analytics.purchases (purchase_id, member_id, store_id, total_fen,"
            " returned_fen, fully_returned, purchased_at, voided_at)"
            " VALUES ($1, $3, $4, 30000, 0, false, $5, NULL),"
            " ($2, $3, $4, 5000, 0, false, $6, $6)",
            kept,
            voided,
            member,
            events.STORE_ID,
            BOUGHT_AT,
            later,
        )
        await scratch.upgrade()
        [row] = await scratch.sql(
            "SELECT first_purchase_at, last_purchase_at FROM analytics.members"
        )
    assert (row["first_purchase_at"], row["last_purchase_at"]) == (BOUGHT_AT, BOUGHT_AT)


async def test_referrals_keep_their_rows_and_gain_a_referrer_column(stack: Stack) -> None:
    """``fe73255caaee`` adds ``surveys`` and ``referrals.referrer_member_id``: a referral
    recorded before keeps its times, with no referrer; the next event about it sets one;
    and the migration goes back down."""
    friend, referrer = uuid.uuid4(), uuid.uuid4()
    async with stack.scratch_database("analytics", "f6a2c8e4b1d7") as url:
        scratch = Scratch("analytics", url)
        await scratch.sql(
            "INSERT INTO analytics.referrals (friend_member_id, referred_at) VALUES ($1, $2)",
            friend,
            BOUGHT_AT,
        )
        await scratch.upgrade("fe73255caaee")
        [before] = await scratch.sql(
            "SELECT referred_at, referrer_member_id FROM analytics.referrals"
        )
        assert (before["referred_at"], before["referrer_member_id"]) == (BOUGHT_AT, None)

        engine = create_async_engine(url)
        try:
            await _apply(
                create_sessions(engine),
                stack,
                events.qualified(friend, referrer, BOUGHT_AT.replace(day=9)),
                events.surveyed(referrer, 5, BOUGHT_AT),
            )
        finally:
            await engine.dispose()
        [after] = await scratch.sql("SELECT referrer_member_id FROM analytics.referrals")
        assert after["referrer_member_id"] == referrer
        assert len(await scratch.sql("SELECT * FROM analytics.surveys")) == 1

        await scratch.downgrade("f6a2c8e4b1d7")
        columns = await scratch.sql(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = 'analytics' AND table_name = 'referrals'"
        )
        assert "referrer_member_id" not in {row["column_name"] for row in columns}
        assert not await scratch.sql("SELECT 1 FROM pg_tables WHERE tablename = 'surveys'")
