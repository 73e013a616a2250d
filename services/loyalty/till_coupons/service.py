"""Coupons at the till: reserve a member's coupon for a sale in progress (priced on its
basket), commit it to the sale, release it on void, on the sale failing or on timeout
(what the sale's own events do, redeem and restore, is :mod:`.sales`).

The same shape as points at the till (:mod:`services.loyalty.reservations`), with the
till policy's ``hold_minutes`` and ``commit_grace_minutes``. Single use: a reservation
moves the coupon ``active`` → ``reserved`` in one conditional UPDATE, so of any number of
racing reservations of one coupon exactly one finds it active; a unique partial index on
the redemptions in use backs it. Lock order: the redemption row, then the coupon row.
Use cases flush, never commit.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from services.loyalty.accounts.service import account_of
from services.loyalty.coupons import holds
from services.loyalty.coupons.domain import Basket, evaluate
from services.loyalty.coupons.kinds import Refusal
from services.loyalty.reservations.service import get_policy
from services.loyalty.rules.service import categorised
from services.loyalty.till_coupons import domain, events, repository
from services.loyalty.till_coupons.domain import BasketLine, ReleaseReason, SoldLine
from services.loyalty.till_coupons.errors import (
    CouponBasketMismatch,
    CouponNotApplicable,
    CouponNotAvailable,
    CouponNotFound,
    CouponReservationNotFound,
    CouponReservationNotHeld,
)
from services.loyalty.till_coupons.models import CouponRedemption
from services.loyalty.till_coupons.schemas import (
    CouponCommitIn,
    CouponReleaseIn,
    CouponReservationIn,
    CouponReservationOut,
    LineDiscountOut,
)
from shared.db import AsyncSession, Sessions, transaction


def _out(redemption: CouponRedemption, coupon: holds.HeldCoupon) -> CouponReservationOut:
    lines = [BasketLine.from_json(row) for row in redemption.lines]
    return CouponReservationOut(
        reservation_id=redemption.reservation_id,
        coupon_id=coupon.coupon_id,
        code=coupon.code,
        definition_id=coupon.definition_id,
        name=coupon.definition_name,
        member_id=redemption.member_id,
        account_id=redemption.account_id,
        store_id=redemption.store_id,
        sale_ref=redemption.sale_ref,
        discount_fen=redemption.discount_fen,
        lines=[
            LineDiscountOut(line_no=line.line_no, discount_fen=line.discount_fen)
            for line in lines
            if line.discount_fen > 0
        ],
        status=redemption.status,
        purchase_id=redemption.purchase_id,
        expires_at=redemption.expires_at,
        release_reason=redemption.release_reason,
        created_at=redemption.created_at,
    )


async def _answer(session: AsyncSession, redemption: CouponRedemption) -> CouponReservationOut:
    return _out(redemption, await holds.held_coupon(session, redemption.coupon_id))


async def reserve(
    session: AsyncSession, data: CouponReservationIn, now: datetime
) -> CouponReservationOut:
    """Holds the member's coupon of ``data.code`` for the sale in progress at
    ``data.store_id``, priced on ``data.lines`` (categories with their ancestors as
    orders' catalog last said).

    Raises ``AccountNotFound`` and :class:`CouponNotFound` (404), :class:`CouponNotApplicable`
    (422, the coupon's reason) and :class:`CouponNotAvailable` (409: another sale holds it,
    it was used, or it expired).
    """
    account = await account_of(session, data.member_id)
    coupon = await holds.coupon_by_code(session, account.account_id, data.code)
    if coupon is None:
        raise CouponNotFound(
            f"member {data.member_id} holds no coupon of this code (check its last group "
            "and its check symbol)",
            field="code",
        )
    if coupon.status != "active":
        raise CouponNotAvailable(f"coupon {coupon.code} is {coupon.status}", field="code")
    lines = await categorised(session, data.lines, 0)
    outcome = evaluate(coupon.priced, Basket(lines, data.store_id, now))
    if isinstance(outcome, Refusal):
        raise CouponNotApplicable(
            f"{outcome.reason}: coupon {coupon.code} does not apply: {outcome.detail}",
            field="lines" if outcome.reason not in ("not_yet_valid", "expired") else "code",
        )
    if not await holds.reserve_for_sale(session, coupon.coupon_id, now):
        raise CouponNotAvailable(
            f"coupon {coupon.code} is held for another sale or was used meanwhile", field="code"
        )
    policy = await get_policy(session)
    priced = [
        BasketLine(
            line_no=line.line_no,
            sku=line.sku,
            quantity=sent.quantity,
            amount_fen=line.amount_fen,
            categories=line.categories,
            discount_fen=outcome.per_line.get(line.line_no, 0),
        )
        for line, sent in zip(lines, data.lines, strict=True)
    ]
    redemption = CouponRedemption(
        reservation_id=uuid.uuid4(),
        coupon_id=coupon.coupon_id,
        account_id=account.account_id,
        member_id=data.member_id,
        store_id=data.store_id,
        sale_ref=data.sale_ref,
        lines=[line.to_json() for line in priced],
        discount_fen=outcome.total_fen,
        status="held",
        expires_at=now + timedelta(minutes=policy.hold_minutes),
        created_at=now,
        updated_at=now,
    )
    await repository.add(session, redemption)
    return _out(redemption, coupon)


async def get_reservation(session: AsyncSession, reservation_id: uuid.UUID) -> CouponReservationOut:
    """Raises :class:`CouponReservationNotFound` (404)."""
    return await _answer(session, await _of_store(session, reservation_id, None))


async def _of_store(
    session: AsyncSession,
    reservation_id: uuid.UUID,
    store_id: uuid.UUID | None,
    *,
    lock: bool = False,
) -> CouponRedemption:
    found = await repository.redemption(session, reservation_id, lock=lock)
    if found is None or (store_id is not None and found.store_id != store_id):
        raise CouponReservationNotFound(f"No coupon reservation {reservation_id} for this store")
    return found


async def commit(
    session: AsyncSession, reservation_id: uuid.UUID, data: CouponCommitIn, now: datetime
) -> CouponReservationOut:
    """Makes a held coupon the sale ``data.purchase_id``'s; again for the same sale,
    answers as before. The sale must be the basket the coupon was priced on.

    Raises :class:`CouponReservationNotFound` (404), :class:`CouponReservationNotHeld`
    (409: released, run out, or another sale's) and :class:`CouponBasketMismatch` (422:
    another member, another basket).
    """
    redemption = await _of_store(session, reservation_id, data.store_id, lock=True)
    if redemption.status in ("committed", "confirmed", "restored"):
        if redemption.purchase_id == data.purchase_id:
            return await _answer(session, redemption)
        raise CouponReservationNotHeld(
            f"coupon reservation {reservation_id} is another sale's", field="reservation_id"
        )
    if redemption.status != "held" or redemption.expires_at <= now:
        raise CouponReservationNotHeld(
            f"coupon reservation {reservation_id} is no longer held (released, or its hold "
            "ran out): reserve the coupon again",
            field="reservation_id",
        )
    if redemption.member_id != data.member_id:
        raise CouponBasketMismatch(
            f"coupon reservation {reservation_id} holds another member's coupon",
            field="member_id",
        )
    priced = [BasketLine.from_json(row) for row in redemption.lines]
    sold = [SoldLine(line.line_no, line.sku, line.quantity, line.amount_fen) for line in data.lines]
    why = domain.mismatch(priced, sold)
    if why is not None:
        raise CouponBasketMismatch(
            f"the sale is not the basket the coupon was priced on: {why}; reserve it again "
            "for this basket",
            field="lines",
        )
    policy = await get_policy(session)
    redemption.status = "committed"
    redemption.purchase_id = data.purchase_id
    redemption.expires_at = now + timedelta(minutes=policy.commit_grace_minutes)
    redemption.updated_at = now
    await session.flush()
    return await _answer(session, redemption)


async def release(
    session: AsyncSession, reservation_id: uuid.UUID, data: CouponReleaseIn, now: datetime
) -> CouponReservationOut:
    """Gives a held coupon back: the till voids it (no ``purchase_id``), or orders undoes
    sale ``data.purchase_id`` that failed after committing it. Again: answers as before.

    Raises :class:`CouponReservationNotFound` (404) and :class:`CouponReservationNotHeld`
    (409: a recorded sale's coupon, or one committed to another or an unnamed sale).
    """
    await _of_store(session, reservation_id, data.store_id)
    reason: ReleaseReason = "void" if data.purchase_id is None else "sale_failed"
    redemption, allowed = await _release(session, reservation_id, reason, now, data.purchase_id)
    if not allowed:
        raise CouponReservationNotHeld(
            f"coupon reservation {reservation_id} is used by a recorded sale: the coupon "
            "comes back by the sale's return or void, as its definition says",
            field="purchase_id",
        )
    return await _answer(session, redemption)


async def _release(
    session: AsyncSession,
    reservation_id: uuid.UUID,
    reason: ReleaseReason,
    now: datetime,
    purchase_id: uuid.UUID | None = None,
) -> tuple[CouponRedemption, bool]:
    """The redemption, released unless it was (then: allowed) or may not be (confirmed or
    restored, or committed to a sale other than ``purchase_id``; a timeout releases any
    commit that is due). The second element says whether the release is allowed."""
    redemption = await repository.redemption(session, reservation_id, lock=True)
    assert redemption is not None
    if redemption.status == "released":
        return redemption, True
    if redemption.status in ("confirmed", "restored") or (
        redemption.status == "committed"
        and reason != "timeout"
        and redemption.purchase_id != purchase_id
    ):
        return redemption, False
    if reason == "timeout" and redemption.expires_at > now:
        return redemption, True  # committed meanwhile: not due any more
    await holds.give_back(session, redemption.coupon_id, "reserved")
    redemption.status = "released"
    redemption.release_reason = reason
    redemption.released_at = now
    redemption.updated_at = now
    await session.flush()
    coupon = await holds.held_coupon(session, redemption.coupon_id)
    await events.released(session, redemption, coupon, reason, now)
    return redemption, True


async def release_due(sessions: Sessions, now: datetime, batch: int = 100) -> int:
    """Releases coupon reservations whose hold or grace ran out by ``now``, each in its
    own transaction (a crash loses none and doubles none); how many were due."""
    async with transaction(sessions) as session:
        due = await repository.due(session, now, batch)
    for reservation_id in due:
        async with transaction(sessions) as session:
            await _release(session, reservation_id, "timeout", now)
    return len(due)
