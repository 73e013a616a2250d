"""The facts' use cases at their bounds: what they refuse writes nothing."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import col, select

from services.analytics.facts import domain, service
from services.analytics.facts.errors import AmountOutOfRange, RunningTotalFull
from services.analytics.facts.models import MemberStats, Purchase, PurchaseReturn
from shared.db import Sessions, transaction
from shared.events.orders import PurchaseCompleted, PurchaseReturned
from shared.inputs import MAX_RUNNING_FEN, MAX_SALE_TOTAL_FEN
from tests.analytics import events


async def _given_member(
    sessions: Sessions, spend_fen: int = 0, purchase_count: int = 0
) -> uuid.UUID:
    member_id = uuid.uuid4()
    async with transaction(sessions) as session:
        session.add(
            MemberStats(member_id=member_id, spend_fen=spend_fen, purchase_count=purchase_count)
        )
    return member_id


async def _state(sessions: Sessions, member_id: uuid.UUID) -> tuple[int, int, list[int]]:
    async with sessions() as session:
        row = await session.get(MemberStats, member_id)
        assert row is not None
        facts = await session.scalars(
            select(Purchase.total_fen).where(col(Purchase.member_id) == member_id)
        )
        return row.spend_fen, row.purchase_count, sorted(facts)


async def _record(sessions: Sessions, member_id: uuid.UUID, total_fen: int) -> None:
    payload = events.purchase(member_id, 1).payload(PurchaseCompleted)
    async with transaction(sessions) as session:
        await service.record_purchases(
            session, [payload.model_copy(update={"total_fen": total_fen})]
        )


async def test_a_members_spend_may_reach_its_cap_but_a_purchase_past_it_writes_nothing(
    analytics_sessions: Sessions,
) -> None:
    member_id = await _given_member(
        analytics_sessions, spend_fen=MAX_RUNNING_FEN - 5_000, purchase_count=3
    )
    await _record(analytics_sessions, member_id, 5_000)
    assert await _state(analytics_sessions, member_id) == (MAX_RUNNING_FEN, 4, [5_000])

    with pytest.raises(RunningTotalFull, match="spend would reach"):
        await _record(analytics_sessions, member_id, 1)
    assert await _state(analytics_sessions, member_id) == (MAX_RUNNING_FEN, 4, [5_000])


async def test_a_purchase_past_the_count_a_member_row_holds_writes_nothing(
    analytics_sessions: Sessions,
) -> None:
    member_id = await _given_member(analytics_sessions, purchase_count=domain.MAX_PURCHASE_COUNT)
    with pytest.raises(RunningTotalFull, match="purchase count would reach"):
        await _record(analytics_sessions, member_id, 100)
    assert await _state(analytics_sessions, member_id) == (0, domain.MAX_PURCHASE_COUNT, [])


@pytest.mark.parametrize("total_fen", [-1, MAX_SALE_TOTAL_FEN + 1, 2**64])
async def test_a_purchase_total_outside_a_sale_is_refused_before_any_write(
    analytics_sessions: Sessions, total_fen: int
) -> None:
    member_id = await _given_member(analytics_sessions)
    with pytest.raises(AmountOutOfRange, match="total is"):
        await _record(analytics_sessions, member_id, total_fen)
    assert await _state(analytics_sessions, member_id) == (0, 0, [])


@pytest.mark.parametrize("amount_fen", [-1, MAX_SALE_TOTAL_FEN + 1, 2**64])
async def test_a_return_amount_outside_a_sale_is_refused_before_any_write(
    analytics_sessions: Sessions, amount_fen: int
) -> None:
    member_id = uuid.uuid4()
    bought = events.purchase(member_id, 4_000)
    async with transaction(analytics_sessions) as session:
        await service.record_purchases(session, [bought.payload(PurchaseCompleted)])
    back = events.returned(bought, 1_000).payload(PurchaseReturned)
    with pytest.raises(AmountOutOfRange, match="amount is"):
        async with transaction(analytics_sessions) as session:
            await service.record_return(session, back.model_copy(update={"amount_fen": amount_fen}))
    async with analytics_sessions() as session:
        recorded = await session.scalars(
            select(PurchaseReturn).where(col(PurchaseReturn.return_id) == back.return_id)
        )
        assert recorded.all() == []
    row = await _state(analytics_sessions, member_id)
    assert row == (4_000, 1, [4_000])
