"""A coupon redemption held before holds could stack upgrades to a hold of its own
(``hold_id`` = its ``reservation_id``), is read as one, and downgrades again."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from services.loyalty.coupons.schemas import DefinitionIn, GrantIn
from services.loyalty.coupons.service import create_definition, grant
from services.loyalty.program.models import KEPT_READS
from services.loyalty.till_coupons.service import get_reservation
from shared.db import Sessions, create_sessions, transaction
from shared.kept import drop_kept_versions_ddl, kept_versions_ddl
from tests.loyalty.conftest import handle, registered_event
from tests.loyalty.coupons.test_api import body
from tests.stack import Stack, migrate

BEFORE_HOLDS = "c5e8a1d3f902"
LATER_COLUMNS = (
    ("coupon_definitions", "expiring_notice_days smallint"),
    ("coupons", "expiring_announced_at timestamptz"),
)
"""Columns of today's coupon tables that migrations after ``BEFORE_HOLDS`` add."""

REDEMPTION = """
INSERT INTO loyalty.coupon_redemptions (reservation_id, coupon_id, account_id, member_id,
    store_id, sale_ref, lines, discount_fen, status, expires_at, created_at, updated_at)
SELECT :reservation, c.id, c.account_id, c.member_id, :store, 'R-1', CAST(:lines AS jsonb),
       3000, 'held', :expires, :now, :now
FROM loyalty.coupons c WHERE c.id = :coupon
"""
LINES = (
    '[{"line_no": 1, "sku": "HP-FISHOIL-60", "quantity": 1, "amount_fen": 25000, '
    '"categories": ["health"], "discount_fen": 3000}]'
)
"""The program lock row's token column (``shared.kept``), which a later migration adds."""


TOKEN = "version uuid NOT NULL DEFAULT gen_random_uuid()"
"""The program lock row's token column (``shared.kept``), which a later migration adds."""


async def _with_program_tokens(sessions: Sessions, work: Awaitable[None]) -> None:
    """``work`` done by today's code, which reads the program's kept reads' tokens (a later
    migration's), with them there only meanwhile."""
    async with transaction(sessions) as session:
        await session.execute(text(f"ALTER TABLE loyalty.earning_rule ADD COLUMN {TOKEN}"))
        for statement in kept_versions_ddl("loyalty", KEPT_READS):
            await session.execute(text(statement))
    await work
    async with transaction(sessions) as session:
        for statement in drop_kept_versions_ddl("loyalty"):
            await session.execute(text(statement))
        await session.execute(text("ALTER TABLE loyalty.earning_rule DROP COLUMN version"))


async def test_a_redemption_held_before_is_a_hold_of_its_own(stack: Stack) -> None:
    async with stack.scratch_database("loyalty", BEFORE_HOLDS) as url:
        engine = create_async_engine(url)
        sessions = create_sessions(engine)
        try:
            # a registration, not a purchase: today's purchase handlers read tables (draws,
            # referrals) this schema predates
            member = uuid.uuid4()
            await _with_program_tokens(sessions, handle(sessions, registered_event(member)))
            async with transaction(sessions) as session:
                # today's code writes columns this schema predates: they exist only inside
                # this transaction, so what commits is the old release's schema
                for table, column in LATER_COLUMNS:
                    await session.execute(text(f"ALTER TABLE loyalty.{table} ADD COLUMN {column}"))
                definition = await create_definition(
                    session, DefinitionIn.model_validate(body()), by="test"
                )
                coupon = await grant(
                    session,
                    member,
                    GrantIn(definition_id=definition.id, grant_key="g1"),
                    show_code=True,
                )
                await session.execute(text("UPDATE loyalty.coupons SET status = 'reserved'"))
                for table, column in LATER_COLUMNS:
                    name = column.split()[0]
                    await session.execute(text(f"ALTER TABLE loyalty.{table} DROP COLUMN {name}"))
            reservation = uuid.uuid4()
            now = datetime.now(UTC)
            async with transaction(sessions) as session:
                await session.execute(
                    text(REDEMPTION),
                    {
                        "reservation": reservation,
                        "store": uuid.uuid4(),
                        "lines": LINES,
                        "expires": now + timedelta(minutes=15),
                        "now": now,
                        "coupon": coupon.id,
                    },
                )
            await migrate("loyalty", url, "head")
            async with sessions() as session:
                hold = await get_reservation(session, reservation)
            assert hold.hold_id == reservation
            assert [(c.reservation_id, c.discount_fen) for c in hold.coupons] == [
                (reservation, 3_000)
            ]
            assert (hold.status, hold.discount_fen) == ("held", 3_000)
            await migrate("loyalty", url, BEFORE_HOLDS, down=True)
            async with sessions() as session:
                columns = await session.scalars(
                    text(
                        "SELECT column_name FROM information_schema.columns "
                        "WHERE table_name = 'coupon_redemptions' AND column_name = 'hold_id'"
                    )
                )
                assert list(columns) == []
        finally:
            await engine.dispose()
