"""The upgrade to recorded stock movements writes the movements of the orders placed and
cancelled before it, in the order things happened, each with the stock it left; the
result passes the rewards invariants, and the downgrade leaves the staff changes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import create_async_engine

from services.loyalty.accounts.invariants import Invariant, Scope
from services.loyalty.rewards.invariants import reward_violations
from shared.db import create_sessions
from tests.stack import Scratch, Stack

BEFORE = "8012b0c06302"
T0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


async def test_orders_placed_before_become_stock_movements(stack: Stack) -> None:
    item, placed, cancelled = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with stack.scratch_database("loyalty", BEFORE) as url:
        db = Scratch("loyalty", url)
        await db.sql(
            "INSERT INTO loyalty.reward_items (id, code, name, point_price, stock, active, "
            "created_at, updated_at, updated_by) VALUES ($1, 'FLASK', 'Flask', 100, 3, true, "
            "$2, $2, 'test-marketing')",
            item,
            T0,
        )
        for change, after, reason, at in ((5, 5, "stock at creation", 0), (-1, 3, "damaged", 60)):
            await db.sql(
                "INSERT INTO loyalty.reward_stock_changes (item_id, change, stock_after, "
                "reason, changed_by, changed_at) VALUES ($1, $2, $3, $4, 'test-marketing', $5)",
                item,
                change,
                after,
                reason,
                _at(at),
            )
        for order_id, quantity, status, at, cancelled_at in (
            (placed, 1, "placed", 30, None),  # before the staff change
            (cancelled, 2, "cancelled", 120, _at(180)),
        ):
            await db.sql(
                "INSERT INTO loyalty.reward_orders (order_id, item_id, member_id, account_id, "
                "quantity, points, status, entry_id, refund_entry_id, placed_by, placed_at, "
                "cancelled_at, cancelled_by) VALUES ($1, $2, $3, $3, $4, 100, $5, $3, $8, "
                "'member-x', $6, $7, $9)",
                order_id,
                item,
                uuid.uuid4(),
                quantity,
                status,
                _at(at),
                cancelled_at,
                None if cancelled_at is None else uuid.uuid4(),
                None if cancelled_at is None else "member-x",
            )

        await db.upgrade()
        rows = await db.sql(
            "SELECT kind, change, stock_after, order_id, reason, changed_by "
            "FROM loyalty.reward_stock_changes ORDER BY seq"
        )
        assert [tuple(row) for row in rows] == [
            ("initial", 5, 5, None, "stock at creation", "test-marketing"),
            ("order", -1, 4, placed, "reward order", "member-x"),
            ("adjustment", -1, 3, None, "damaged", "test-marketing"),
            ("order", -2, 1, cancelled, "reward order", "member-x"),
            ("cancellation", 2, 3, cancelled, "order cancelled", "member-x"),
        ]
        engine = create_async_engine(url)
        try:
            async with create_sessions(engine)() as session:
                found = await reward_violations(session, Scope(None))
            # the orders' ledger entries are not written here: only the stock is checked
            assert [v for v in found if v.invariant is Invariant.REWARD_STOCK] == []
        finally:
            await engine.dispose()

        await db.downgrade(BEFORE)
        rows = await db.sql(
            "SELECT change, stock_after, reason FROM loyalty.reward_stock_changes ORDER BY seq"
        )
        assert [tuple(row) for row in rows] == [(5, 5, "stock at creation"), (-1, 3, "damaged")]
