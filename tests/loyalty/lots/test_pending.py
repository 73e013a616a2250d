"""Pending points over the real database: a purchase's points wait out the return window,
cannot be spent meanwhile, and a return inside the window cancels them first."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import text

from services.loyalty.redemption.schemas import RedemptionIn
from services.loyalty.redemption.service import redeem
from shared.db import Sessions, transaction
from shared.inputs import input_defaults
from tests.loyalty.conftest import (
    SetPolicy,
    account_of,
    funded_member,
    handle,
    key,
    ledger_of,
    ledger_sound,
    problem,
    purchase_event,
    purchase_id_of,
    return_event,
)
from tests.stack import member_headers


async def _lots(sessions: Sessions, member_id: uuid.UUID) -> list[tuple[int, int, bool]]:
    """``(points, remaining, pending)`` of the member's lots, oldest first."""
    async with sessions() as session:
        rows = await session.execute(
            text(
                "SELECT l.points, l.remaining, l.available_at > now() AS pending "
                "FROM loyalty.point_lots l JOIN loyalty.account_holders h USING (account_id) "
                "WHERE h.member_id = :member ORDER BY l.earned_at, l.lot_id"
            ),
            {"member": member_id},
        )
        return [(row.points, row.remaining, row.pending) for row in rows]


async def test_pending_points_show_with_their_day_and_cannot_be_spent(
    client: httpx.AsyncClient, loyalty_sessions: Sessions, points_policy: SetPolicy
) -> None:
    member_id = await funded_member(loyalty_sessions, 30_000)  # 300 points, available
    await points_policy(return_window_days=7)
    sale = purchase_event(member_id, 50_000)
    await handle(loyalty_sessions, sale)  # 500 points, pending for 7 days

    assert await _lots(loyalty_sessions, member_id) == [(300, 300, False), (500, 500, True)]
    view = await client.get(f"/members/{member_id}/loyalty", headers=member_headers(member_id))
    assert view.status_code == 200, view.text
    body = view.json()
    today = datetime.now(UTC).astimezone(input_defaults().business_timezone).date()
    due = (datetime.now(UTC) + timedelta(days=7)).astimezone(input_defaults().business_timezone)
    assert due.date() - today == timedelta(days=7)
    assert (body["balance"], body["available"], body["pending_points"]) == (800, 300, 500)
    assert body["pending"] == [{"available_on": due.date().isoformat(), "points": 500}]

    refused = await client.post(
        f"/members/{member_id}/redemptions",
        json={"points": 301, "reason": "tablet"},
        headers=member_headers(member_id) | key(),
    )
    body = problem(refused, 422)
    assert body["detail"] == "insufficient points: available 300, pending 500, requested 301"
    assert (body["balance"], body["pending"], body["requested"]) == (300, 500, 301)
    spent = await client.post(
        f"/members/{member_id}/redemptions",
        json={"points": 300, "reason": "tablet"},
        headers=member_headers(member_id) | key(),
    )
    assert spent.status_code == 201, spent.text
    assert await _lots(loyalty_sessions, member_id) == [(300, 0, False), (500, 500, True)]
    assert await ledger_sound(loyalty_sessions, member_id) == ()


async def test_a_return_inside_the_window_cancels_the_pending_points_first(
    loyalty_sessions: Sessions, points_policy: SetPolicy
) -> None:
    member_id = await funded_member(loyalty_sessions, 30_000)  # 300 points, available
    await points_policy(return_window_days=7)
    sale = purchase_event(member_id, 50_000)
    await handle(loyalty_sessions, sale)
    await handle(loyalty_sessions, return_event(member_id, purchase_id_of(sale), 20_000, 50_000))

    # 500 × 20,000 / 50,000 = 200 points back, all from the sale's own pending lot
    assert await _lots(loyalty_sessions, member_id) == [(300, 300, False), (500, 300, True)]
    reversal = (await ledger_of(loyalty_sessions, member_id))[-1]
    assert (reversal.kind, reversal.points, reversal.balance_after) == ("reverse", -200, 600)
    held = await account_of(loyalty_sessions, member_id)
    assert held is not None
    assert held.balance == 600
    assert await ledger_sound(loyalty_sessions, member_id) == ()


async def test_a_return_of_a_spent_purchase_takes_pending_points_before_available_ones(
    loyalty_sessions: Sessions, points_policy: SetPolicy
) -> None:
    """The first sale's points were spent; its return then cancels the second sale's
    pending points before the points the member could spend."""
    member_id = uuid.uuid4()
    first = purchase_event(member_id, 40_000)
    await handle(loyalty_sessions, first)  # 400 available
    async with transaction(loyalty_sessions) as session:
        await redeem(session, member_id, RedemptionIn(points=400, reason="gift"))
    await handle(loyalty_sessions, purchase_event(member_id, 10_000))  # 100 available
    await points_policy(return_window_days=7)
    await handle(loyalty_sessions, purchase_event(member_id, 30_000))  # 300 pending
    await handle(loyalty_sessions, return_event(member_id, purchase_id_of(first), 20_000, 40_000))

    # 200 points back: the first sale's own lot is empty, so the pending lot gives them
    assert await _lots(loyalty_sessions, member_id) == [
        (400, 0, False),
        (100, 100, False),
        (300, 100, True),
    ]
    reversal = (await ledger_of(loyalty_sessions, member_id))[-1]
    assert (reversal.points, reversal.shortfall, reversal.balance_after) == (-200, 0, 200)
    assert await ledger_sound(loyalty_sessions, member_id) == ()
