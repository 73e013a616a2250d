"""Points given back keep the terms of the lots they were spent from: a till release, a
till refund, a reward refund, hand-computed over the real database; points whose lot
expired meanwhile come back expired, and the next expiry run takes them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import text

from services.loyalty.accounts import service as accounts
from services.loyalty.accounts.service import Movement, Source
from services.loyalty.lots.jobs import expire_due
from services.loyalty.reservations.invariants import till_violations
from services.loyalty.reservations.service import release_due
from shared.db import Sessions, transaction
from tests.loyalty.conftest import (
    SetPolicy,
    funded_member,
    handle,
    key,
    ledger_of,
    ledger_sound,
    purchase_event,
)
from tests.loyalty.reservations.conftest import (
    SERVICE,
    commit,
    held,
    release,
    returned_event,
    sale_event,
)
from tests.loyalty.rewards.conftest import new_item
from tests.stack import member_headers

SOON = datetime(2031, 1, 10, 16, tzinfo=UTC)
LATER = datetime(2031, 2, 9, 16, tzinfo=UTC)

Lot = tuple[int, int, datetime | None]
"""``(points, remaining, expires_at)``."""


async def _member(sessions: Sessions) -> uuid.UUID:
    """A member with three lots, all available: 300 points expiring ``SOON``, 500
    expiring ``LATER``, 100 that never expire. A spend takes the 300 first, then the 500."""
    member_id = await funded_member(sessions, 30_000)
    for total in (50_000, 10_000):
        await handle(sessions, purchase_event(member_id, total))
    async with transaction(sessions) as session:
        for points, expires_at in ((300, SOON), (500, LATER)):
            await session.execute(
                text(
                    "UPDATE loyalty.point_lots SET expires_at = :at WHERE points = :points "
                    "AND account_id = (SELECT account_id FROM loyalty.account_holders "
                    "WHERE member_id = :member AND role = 'owner')"
                ),
                {"at": expires_at, "points": points, "member": member_id},
            )
    return member_id


async def _lots_of(sessions: Sessions, member_id: uuid.UUID, source_type: str) -> list[Lot]:
    """The lots the member's account got from credits of ``source_type``."""
    async with sessions() as session:
        rows = await session.execute(
            text(
                "SELECT l.points, l.remaining, l.expires_at, l.available_at <= now() "
                "FROM loyalty.point_lots l JOIN loyalty.ledger_entries e ON e.id = l.entry_id "
                "JOIN loyalty.account_holders h ON h.account_id = l.account_id "
                "WHERE h.member_id = :member AND e.source_type = :kind ORDER BY e.seq, l.lot_id"
            ),
            {"member": member_id, "kind": source_type},
        )
        found = [(row[0], row[1], row[2], row[3]) for row in rows]
    assert all(available for *_, available in found)  # a spend only took available points
    return sorted(((p, r, e) for p, r, e, _ in found), key=lambda lot: (lot[2] or LATER, -lot[0]))


async def test_a_release_gives_the_hold_back_on_the_terms_of_the_lots_it_took(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await _member(loyalty_sessions)
    hold = await held(client, member_id, 10_000, points=600)  # 300 (SOON) + 300 (LATER)
    assert (await release(client, hold["reservation_id"])).status_code == 200
    assert await _lots_of(loyalty_sessions, member_id, "till_release") == [
        (300, 300, SOON),
        (300, 300, LATER),
    ]
    assert await ledger_sound(loyalty_sessions, member_id) == ()


async def test_refunds_give_back_the_last_drawn_lot_first(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await _member(loyalty_sessions)
    hold = await held(client, member_id, 10_000, points=600)
    purchase_id = uuid.uuid4()
    assert (await commit(client, hold, purchase_id, 10_000)).status_code == 200
    await handle(loyalty_sessions, sale_event(member_id, purchase_id, 10_000, 600))
    # 180 of the 600 fen paid with points: 180 points, from the 300 taken of the LATER lot
    await handle(loyalty_sessions, returned_event(member_id, purchase_id, 10_000, 180, 0))
    assert await _lots_of(loyalty_sessions, member_id, "till_refund") == [(180, 180, LATER)]
    # the other 420: the 120 left of the LATER draw, then the 300 of the SOON lot
    await handle(loyalty_sessions, returned_event(member_id, purchase_id, 10_000, 420, 0))
    assert await _lots_of(loyalty_sessions, member_id, "till_refund") == [
        (300, 300, SOON),
        (180, 180, LATER),
        (120, 120, LATER),
    ]
    assert await ledger_sound(loyalty_sessions, member_id) == ()


async def test_a_cancelled_reward_order_gives_back_the_lot_it_spent(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await _member(loyalty_sessions)
    item = await new_item(client, point_price=100, stock=5)
    headers = member_headers(member_id)
    placed = await client.post(
        f"/members/{member_id}/reward-orders",
        json={"item_id": item["id"], "quantity": 2},
        headers=headers | key(),
    )
    assert placed.status_code == 201, placed.text
    cancelled = await client.post(
        f"/members/{member_id}/reward-orders/{placed.json()['order_id']}/cancel",
        json={},
        headers=headers | key(),
    )
    assert cancelled.status_code == 200, cancelled.text
    assert await _lots_of(loyalty_sessions, member_id, "reward_refund") == [(200, 200, SOON)]
    assert await ledger_sound(loyalty_sessions, member_id) == ()


async def test_points_whose_lot_expired_meanwhile_come_back_expired_and_the_next_run_takes_them(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await _member(loyalty_sessions)
    hold = await held(client, member_id, 10_000, points=200)  # from the 300 expiring SOON
    past = datetime.now(UTC) - timedelta(days=1)
    async with transaction(loyalty_sessions) as session:  # as if SOON had passed meanwhile
        await session.execute(
            text(
                "UPDATE loyalty.point_lots SET earned_at = :earned, available_at = :earned, "
                "expires_at = :past WHERE expires_at = :soon AND account_id = (SELECT "
                "account_id FROM loyalty.account_holders WHERE member_id = :member "
                "AND role = 'owner')"
            ),
            {"earned": past - timedelta(days=365), "past": past, "soon": SOON, "member": member_id},
        )
    assert (await release(client, hold["reservation_id"])).status_code == 200
    assert await _lots_of(loyalty_sessions, member_id, "till_release") == [(200, 200, past)]

    await expire_due(loyalty_sessions, datetime.now(UTC))
    lines = [
        (line.source_type, line.points) for line in await ledger_of(loyalty_sessions, member_id)
    ]
    # the 100 the hold left in the lot, and the 200 it gave back, expire (in either order)
    assert lines[-3] == ("till_release", 200)
    assert sorted(lines[-2:]) == [("expiry", -200), ("expiry", -100)]
    assert await _lots_of(loyalty_sessions, member_id, "till_release") == [(200, 0, past)]
    assert await ledger_sound(loyalty_sessions, member_id) == ()


async def test_a_correction_given_back_leaves_a_pending_lot_pending_until_its_date(
    loyalty_sessions: Sessions,
) -> None:
    """A spend never takes pending points; a correction may (a retake takes what the
    balance has): given back, they are pending until the day they were."""
    member_id = await funded_member(loyalty_sessions, 40_000)  # 400 points
    available_at = datetime.now(UTC) + timedelta(days=7)
    async with transaction(loyalty_sessions) as session:
        await session.execute(
            text(
                "UPDATE loyalty.point_lots SET available_at = :at WHERE account_id = (SELECT "
                "account_id FROM loyalty.account_holders WHERE member_id = :member "
                "AND role = 'owner')"
            ),
            {"at": available_at, "member": member_id},
        )
    debit = Source("till_retake", uuid.uuid4())
    for movement in (
        Movement(debit, -150, spend=False),
        Movement(Source("till_refund", uuid.uuid4()), 150, restores=(debit,)),
    ):
        async with transaction(loyalty_sessions) as session:
            account = await accounts.locked_account_of(session, member_id)
            assert account is not None
            assert await accounts.move_points(session, account, movement) is not None
    async with loyalty_sessions() as session:
        account = await accounts.account_of(session, member_id)
        lots = await accounts.open_lots(session, account.account_id)
    assert sorted((lot.remaining, lot.available_at) for lot in lots) == [
        (150, available_at),
        (250, available_at),
    ]


async def test_a_late_sale_retakes_pending_points_and_its_return_gives_them_back_pending(
    client: httpx.AsyncClient, loyalty_sessions: Sessions, points_policy: SetPolicy
) -> None:
    """The sweep released a hold whose sale's event came after the grace; meanwhile the
    member spent most of the points, and the sale's own earn is pending (a return window).
    The retake is a correction: it takes what the balance has, pending points too, and a
    return of the sale gives them back on their terms."""
    member_id = await funded_member(loyalty_sessions, 100_000)  # 1,000 points, available
    await points_policy(return_window_days=7)
    late = await held(client, member_id, 10_000, points=400)
    purchase_id = uuid.uuid4()
    assert (await commit(client, late, purchase_id, 10_000)).status_code == 200
    assert await release_due(loyalty_sessions, datetime.now(UTC) + timedelta(hours=25)) >= 1
    spent = await client.post(
        f"/members/{member_id}/redemptions",
        json={"points": 900, "reason": "spent meanwhile"},
        headers=SERVICE | key(),
    )
    assert spent.status_code == 201, spent.text
    await handle(loyalty_sessions, sale_event(member_id, purchase_id, 10_000, 400))
    lines = await ledger_of(loyalty_sessions, member_id)
    retake = next(line for line in lines if line.source_type == "till_retake")
    # 100 available and the sale's own 120 (VIP: 100 × 1.2), pending: 220 of 400, 180 short
    assert (retake.points, retake.shortfall, retake.balance_after) == (-220, 180, 0)

    await handle(loyalty_sessions, returned_event(member_id, purchase_id, 10_000, 400, 0))
    async with loyalty_sessions() as session:
        earned_until = await session.scalar(
            text(
                "SELECT l.available_at FROM loyalty.point_lots l JOIN loyalty.ledger_entries e "
                "ON e.id = l.entry_id WHERE e.source_type = 'purchase' AND e.source_id = :p"
            ),
            {"p": purchase_id},
        )
        refunded = await session.execute(
            text(
                "SELECT l.points, l.available_at, l.expires_at FROM loyalty.point_lots l "
                "JOIN loyalty.ledger_entries e ON e.id = l.entry_id "
                "WHERE e.source_type = 'till_refund' AND e.source_id IN (SELECT return_id "
                "FROM loyalty.returns WHERE purchase_id = :p)"
            ),
            {"p": purchase_id},
        )
        lots = sorted((points, at == earned_until, expires) for points, at, expires in refunded)
    assert earned_until > datetime.now(UTC) + timedelta(days=6)
    # the retake's last lot first (the 100 available), then the 120 pending until the
    # sale's earn is; the 180 it never took come back available, as before
    assert lots == [(100, False, None), (120, True, None), (180, False, None)]
    async with loyalty_sessions() as session:
        assert await till_violations(session, [member_id]) == []
    assert await ledger_sound(loyalty_sessions, member_id) == ()
