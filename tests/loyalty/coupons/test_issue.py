"""A definition's quantity and budget are never exceeded, however many grants race.

Each reserve runs in its own transaction against the real database; the pool runs them
concurrently, so they contend for the definition's row. The CHECKs are tested apart: an
update that skips ``reserve``'s condition is refused by the table itself.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from services.loyalty.coupons import repository
from services.loyalty.coupons.models import CouponDefinition
from shared.db import Sessions, transaction


async def _definition(
    sessions: Sessions, *, quantity: int | None = None, budget_fen: int | None = None
) -> uuid.UUID:
    row = CouponDefinition(
        name="满200减30",
        kind="threshold_off",
        terms={"threshold_fen": 20_000, "off_fen": 3_000},
        scope={"stores": [], "categories": [], "skus": []},
        valid_days=30,
        per_member_limit=1,
        face_value_fen=3_000,
        stackable=False,
        created_by="test",
        quantity=quantity,
        budget_fen=budget_fen,
    )
    async with transaction(sessions) as session:
        await repository.add_definition(session, row)
    return row.id


async def _reserve(sessions: Sessions, definition_id: uuid.UUID) -> bool:
    async with transaction(sessions) as session:
        return await repository.reserve(session, definition_id)


async def _issued(sessions: Sessions, definition_id: uuid.UUID) -> int:
    async with sessions() as session:
        issued = await session.scalar(
            text("SELECT issued FROM loyalty.coupon_definitions WHERE id = :id"),
            {"id": definition_id},
        )
    return int(issued)


async def test_racing_grants_issue_exactly_the_quantity(loyalty_sessions: Sessions) -> None:
    definition_id = await _definition(loyalty_sessions, quantity=5)
    outcomes = await asyncio.gather(*(_reserve(loyalty_sessions, definition_id) for _ in range(24)))
    assert outcomes.count(True) == 5
    assert await _issued(loyalty_sessions, definition_id) == 5


async def test_racing_grants_stay_within_the_budget(loyalty_sessions: Sessions) -> None:
    # 3,000 fen each within 10,000: three coupons (9,000), the fourth would be 12,000
    definition_id = await _definition(loyalty_sessions, budget_fen=10_000)
    outcomes = await asyncio.gather(*(_reserve(loyalty_sessions, definition_id) for _ in range(16)))
    assert outcomes.count(True) == 3
    assert await _issued(loyalty_sessions, definition_id) == 3


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [({"quantity": 2}, "ck_coupon_definitions_quantity"), ({"budget_fen": 6_000}, "budget")],
)
async def test_the_table_refuses_an_over_issue_that_skips_reserve(
    loyalty_sessions: Sessions, changes: dict[str, int], constraint: str
) -> None:
    definition_id = await _definition(loyalty_sessions, **changes)
    with pytest.raises(IntegrityError, match=constraint):
        async with transaction(loyalty_sessions) as session:
            await session.execute(
                text("UPDATE loyalty.coupon_definitions SET issued = 3 WHERE id = :id"),
                {"id": definition_id},
            )
    assert await _issued(loyalty_sessions, definition_id) == 0


async def test_a_definition_without_quantity_or_budget_issues_freely(
    loyalty_sessions: Sessions,
) -> None:
    definition_id = await _definition(loyalty_sessions)
    assert all([await _reserve(loyalty_sessions, definition_id) for _ in range(3)])
    assert await _issued(loyalty_sessions, definition_id) == 3
