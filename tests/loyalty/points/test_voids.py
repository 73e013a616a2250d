"""A voided purchase is undone as a full return: points, qualifying spend, tier."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from services.loyalty.points.errors import PurchaseNotKnown
from services.loyalty.points.invariants import check_ledger_invariants
from services.loyalty.redemption.schemas import RedemptionIn
from services.loyalty.redemption.service import redeem
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.events.orders import PurchaseCompleted, PurchaseVoided, TenderRefund
from tests.loyalty.conftest import (
    account_of,
    handle,
    ledger_of,
    published,
    purchase_event,
    purchase_id_of,
    registered_event,
    return_event,
)


def void_event(sale: CloudEvent) -> CloudEvent:
    bought = sale.payload(PurchaseCompleted)
    payload = PurchaseVoided(
        purchase_id=bought.purchase_id,
        member_id=bought.member_id,
        store_id=bought.store_id,
        total_fen=bought.total_fen,
        purchased_at=bought.purchased_at,
        voided_at=datetime.now(UTC),
        refunds=(TenderRefund(kind="card", amount_fen=bought.total_fen, paid_out=True),),
    )
    return CloudEvent.of(payload, source="/huiyuan/orders")


async def test_a_void_takes_back_the_points_the_spend_and_the_promotion(
    loyalty_sessions: Sessions,
) -> None:
    member_id = uuid.uuid4()
    await handle(loyalty_sessions, registered_event(member_id))
    sale = purchase_event(member_id, 600_000)  # standard → star
    await handle(loyalty_sessions, sale)

    await handle(loyalty_sessions, void_event(sale))

    earned, voided = await ledger_of(loyalty_sessions, member_id)
    assert (voided.kind, voided.source_type, voided.source_id) == (
        "reverse",
        "void",
        purchase_id_of(sale),
    )
    assert (voided.points, voided.shortfall, voided.balance_after) == (-earned.points, 0, 0)
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    assert (account.balance, account.qualifying_spend_fen, account.tier_code) == (
        0,
        0,
        "standard",
    )
    [reversed_] = await published(loyalty_sessions, member_id, "loyalty.points.reversed")
    assert (reversed_["points"], reversed_["return_id"]) == (earned.points, None)
    up, down = await published(loyalty_sessions, member_id, "loyalty.tier.changed")
    assert (up["direction"], down["direction"], down["to_tier"]) == ("up", "down", "standard")
    async with loyalty_sessions() as session:
        report = await check_ledger_invariants(session, members=[member_id])
    assert report.ok, str(report)


async def test_a_void_delivered_again_under_a_new_envelope_changes_nothing(
    loyalty_sessions: Sessions,
) -> None:
    member_id = uuid.uuid4()
    sale = purchase_event(member_id, 50_000)
    await handle(loyalty_sessions, sale)
    await handle(loyalty_sessions, void_event(sale))
    await handle(loyalty_sessions, void_event(sale))

    assert [e.points for e in await ledger_of(loyalty_sessions, member_id)] == [500, -500]
    assert len(await published(loyalty_sessions, member_id, "loyalty.points.reversed")) == 1


async def test_a_void_after_a_return_takes_back_only_what_is_left_and_spent_points_as_shortfall(
    loyalty_sessions: Sessions,
) -> None:
    member_id = uuid.uuid4()
    sale = purchase_event(member_id, 80_000)
    await handle(loyalty_sessions, sale)
    await handle(loyalty_sessions, return_event(member_id, purchase_id_of(sale), 20_000, 80_000))
    async with transaction(loyalty_sessions) as session:
        await redeem(session, member_id, RedemptionIn(points=500, reason="兑换耳机"))

    await handle(loyalty_sessions, void_event(sale))

    last = (await ledger_of(loyalty_sessions, member_id))[-1]
    assert (last.source_type, last.points, last.shortfall, last.balance_after) == (
        "void",
        -100,
        500,
        0,
    )
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    assert account.qualifying_spend_fen == 0
    async with loyalty_sessions() as session:
        report = await check_ledger_invariants(session, members=[member_id])
    assert report.ok, str(report)


async def test_a_void_before_its_purchase_waits_for_it(loyalty_sessions: Sessions) -> None:
    member_id = uuid.uuid4()
    never_seen = purchase_event(member_id, 10_000)
    with pytest.raises(PurchaseNotKnown, match="has not seen yet"):
        await handle(loyalty_sessions, void_event(never_seen))
    assert await ledger_of(loyalty_sessions, member_id) == []
