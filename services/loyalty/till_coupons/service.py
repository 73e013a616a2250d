"""Coupons at the till: hold a member's coupons (one, or several stacked) for a sale in
progress (priced together on its basket), commit them to the sale, release them on void,
on the sale failing or on timeout
(what the sale's own events do, redeem and restore, is :mod:`.sales`).

The same shape as points at the till (:mod:`services.loyalty.reservations`), with the
till policy's ``hold_minutes`` and ``commit_grace_minutes``. Single use: a reservation
moves the coupon ``active`` → ``reserved`` in one conditional UPDATE, so of any number of
racing reservations of one coupon exactly one finds it active; a unique partial index on
the redemptions in use backs it. A hold of several coupons moves them in coupon id order
in one transaction: racing holds of overlapping coupons queue on the first they share
and never deadlock, and a hold that finds one taken rolls back whole. A hold's coupons
are committed and released together. Lock order: the hold's redemption rows (by
reservation id), then the coupon rows.
Use cases flush, never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from services.loyalty.accounts.service import account_of
from services.loyalty.coupons import holds
from services.loyalty.coupons.domain import Basket, priced_together, stacking_refusal
from services.loyalty.coupons.kinds import KINDS, Refusal
from services.loyalty.reservations.service import get_policy
from services.loyalty.rules.categories import categorised
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
)
from shared.attempts import recommitted, superseded
from shared.coupons import CouponHoldOut, HeldCouponOut, LineDiscountOut
from shared.db import AsyncSession, Sessions, transaction


async def _answer(session: AsyncSession, redemptions: Sequence[CouponRedemption]) -> CouponHoldOut:
    """The hold of ``redemptions`` (all of one hold), its coupons in the stacking order."""
    coupons = [await holds.held_coupon(session, r.coupon_id) for r in redemptions]
    return _out(list(zip(redemptions, coupons, strict=True)))


def _out(held: Sequence[tuple[CouponRedemption, holds.HeldCoupon]]) -> CouponHoldOut:
    order = list(KINDS)
    held = sorted(held, key=lambda pair: order.index(pair[1].priced.kind))
    first = held[0][0]
    per_line: dict[int, int] = {}
    coupons = []
    for redemption, coupon in held:
        lines = [BasketLine.from_json(row) for row in redemption.lines]
        for line in lines:
            per_line[line.line_no] = per_line.get(line.line_no, 0) + line.discount_fen
        coupons.append(
            HeldCouponOut(
                reservation_id=redemption.reservation_id,
                coupon_id=coupon.coupon_id,
                code=coupon.code,
                definition_id=coupon.definition_id,
                name=coupon.definition_name,
                kind=coupon.priced.kind,
                discount_fen=redemption.discount_fen,
                lines=_discounted(lines),
                status=redemption.status,
                release_reason=redemption.release_reason,
            )
        )
    statuses = {coupon.status for coupon in coupons}
    return CouponHoldOut(
        hold_id=first.hold_id,
        member_id=first.member_id,
        account_id=first.account_id,
        store_id=first.store_id,
        sale_ref=first.sale_ref,
        discount_fen=sum(coupon.discount_fen for coupon in coupons),
        lines=[
            LineDiscountOut(line_no=no, discount_fen=fen)
            for no, fen in sorted(per_line.items())
            if fen > 0
        ],
        coupons=coupons,
        status=statuses.pop() if len(statuses) == 1 else "confirmed",
        purchase_id=first.purchase_id,
        expires_at=first.expires_at,
        created_at=first.created_at,
    )


def _discounted(lines: Sequence[BasketLine]) -> list[LineDiscountOut]:
    return [
        LineDiscountOut(line_no=line.line_no, discount_fen=line.discount_fen)
        for line in lines
        if line.discount_fen > 0
    ]


async def _named(
    session: AsyncSession, account_id: uuid.UUID, data: CouponReservationIn
) -> list[tuple[str, holds.HeldCoupon]]:
    """The coupons the request names, each with the field naming it; each active."""
    found = []
    for field, named in data.named():
        if isinstance(named, uuid.UUID):
            coupon = await holds.coupon_by_id(session, account_id, named)
            what = f"coupon {named}"
        else:
            coupon = await holds.coupon_by_code(session, account_id, named)
            what = "a coupon of this code (check its last group and its check symbol)"
        if coupon is None:
            raise CouponNotFound(f"member {data.member_id} holds no {what}", field=field)
        if coupon.status != "active":
            raise CouponNotAvailable(f"coupon {coupon.code} is {coupon.status}", field=field)
        found.append((field, coupon))
    refusal = stacking_refusal([coupon.priced for _, coupon in found])
    if refusal is not None:
        field = _stacking_culprit(refusal, found)
        raise CouponNotApplicable(
            f"{refusal.reason}: coupons {', '.join(c.code for _, c in found)} cannot be used "
            f"together: {refusal.detail} ({field})",
            field=field,
        )
    return found


def _stacking_culprit(refusal: Refusal, found: Sequence[tuple[str, holds.HeldCoupon]]) -> str:
    """The field naming the coupon that breaks the stacking rule: the first one not
    stackable, or the second of a kind."""
    seen: set[str] = set()
    for field, coupon in found:
        if refusal.reason == "not_stackable" and not coupon.priced.stackable:
            return field
        if refusal.reason == "same_kind" and coupon.priced.kind in seen:
            return field
        seen.add(coupon.priced.kind)
    return found[-1][0]


async def reserve(session: AsyncSession, data: CouponReservationIn, now: datetime) -> CouponHoldOut:
    """Holds the member's coupons named in ``data`` (one, or several to stack) for the
    sale in progress at ``data.store_id``, priced together on ``data.lines`` (categories
    with their ancestors as orders' catalog last said) in the stacking order: all of them
    or none.

    Raises ``AccountNotFound`` and :class:`CouponNotFound` (404), :class:`CouponNotApplicable`
    (422, the reason of the coupon that does not apply, or of the stacking rule:
    ``not_stackable``, ``same_kind``) and :class:`CouponNotAvailable` (409: another sale
    holds one, it was used, or it expired), each naming the field of the coupon.
    """
    account = await account_of(session, data.member_id)
    named = await _named(session, account.account_id, data)
    lines = await categorised(session, data.lines, 0)
    outcomes = priced_together(
        [coupon.priced for _, coupon in named], Basket(lines, data.store_id, now)
    )
    for (field, coupon), outcome in zip(named, outcomes, strict=True):
        if isinstance(outcome, Refusal):
            expired = outcome.reason in ("not_yet_valid", "expired")
            raise CouponNotApplicable(
                f"{outcome.reason}: coupon {coupon.code} does not apply: {outcome.detail}",
                field=field if expired or len(named) > 1 else "lines",
            )
    for field, coupon in sorted(named, key=lambda pair: pair[1].coupon_id):
        if not await holds.reserve_for_sale(session, coupon.coupon_id, now):
            raise CouponNotAvailable(
                f"coupon {coupon.code} is held for another sale or was used meanwhile",
                field=field,
            )
    policy = await get_policy(session)
    hold_id = uuid.uuid4()
    held = []
    for (_, coupon), outcome in zip(named, outcomes, strict=True):
        assert not isinstance(outcome, Refusal)
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
            hold_id=hold_id,
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
        held.append((redemption, coupon))
    return _out(held)


async def get_reservation(session: AsyncSession, reservation_id: uuid.UUID) -> CouponHoldOut:
    """The hold the reservation belongs to. Raises :class:`CouponReservationNotFound` (404)."""
    found = await _of_store(session, reservation_id, None)
    return await _answer(session, await repository.of_hold(session, found.hold_id))


async def _of_store(
    session: AsyncSession, reservation_id: uuid.UUID, store_id: uuid.UUID | None
) -> CouponRedemption:
    found = await repository.redemption(session, reservation_id)
    if found is None or (store_id is not None and found.store_id != store_id):
        raise CouponReservationNotFound(f"No coupon reservation {reservation_id} for this store")
    return found


async def commit(
    session: AsyncSession, reservation_id: uuid.UUID, data: CouponCommitIn, now: datetime
) -> CouponHoldOut:
    """Makes the held coupons of the reservation's hold (all of them: a stack is used
    whole) the sale ``data.purchase_id``'s; again for the same sale, answers as before
    (by another attempt, the commit is contested: :mod:`shared.attempts`). The sale must
    be the basket they were priced on.

    Raises :class:`CouponReservationNotFound` (404), :class:`CouponReservationNotHeld`
    (409: released, run out, or another sale's) and :class:`CouponBasketMismatch` (422:
    another member, another basket).
    """
    found = await _of_store(session, reservation_id, data.store_id)
    hold = await repository.of_hold(session, found.hold_id, lock=True)
    if any(r.status in ("committed", "confirmed", "restored") for r in hold):
        if all(r.purchase_id == data.purchase_id for r in hold):
            if data.attempt_id is not None:
                for redemption in hold:
                    if redemption.status == "committed":
                        redemption.commit_attempt = recommitted(
                            redemption.commit_attempt, data.attempt_id
                        )
                await session.flush()
            return await _answer(session, hold)
        raise CouponReservationNotHeld(
            f"coupon reservation {reservation_id} is another sale's", field="reservation_id"
        )
    if any(r.status != "held" or r.expires_at <= now for r in hold):
        raise CouponReservationNotHeld(
            f"coupon reservation {reservation_id} is no longer held (released, or its hold "
            "ran out): reserve the coupon again",
            field="reservation_id",
        )
    if found.member_id != data.member_id:
        raise CouponBasketMismatch(
            f"coupon reservation {reservation_id} holds another member's coupon",
            field="member_id",
        )
    priced = [BasketLine.from_json(row) for row in found.lines]
    sold = [SoldLine(line.line_no, line.sku, line.quantity, line.amount_fen) for line in data.lines]
    why = domain.mismatch(priced, sold)
    if why is not None:
        raise CouponBasketMismatch(
            f"the sale is not the basket the coupon was priced on: {why}; reserve it again "
            "for this basket",
            field="lines",
        )
    policy = await get_policy(session)
    for redemption in hold:
        redemption.status = "committed"
        redemption.purchase_id = data.purchase_id
        redemption.commit_attempt = data.attempt_id
        redemption.expires_at = now + timedelta(minutes=policy.commit_grace_minutes)
        redemption.updated_at = now
    await session.flush()
    return await _answer(session, hold)


async def release(
    session: AsyncSession, reservation_id: uuid.UUID, data: CouponReleaseIn, now: datetime
) -> CouponHoldOut:
    """Gives the held coupons of the reservation's hold back: the till voids it (no
    ``purchase_id``), or orders undoes sale ``data.purchase_id`` that failed after
    committing it. Again: answers as before.

    Raises :class:`CouponReservationNotFound` (404) and :class:`CouponReservationNotHeld`
    (409: a recorded sale's coupons, ones committed to another or an unnamed sale, or ones
    another attempt of the sale than ``data.attempt_id`` committed too).
    """
    found = await _of_store(session, reservation_id, data.store_id)
    reason: ReleaseReason = "void" if data.purchase_id is None else "sale_failed"
    hold, allowed = await _release(
        session, found.hold_id, reason, now, data.purchase_id, data.attempt_id
    )
    if all(r.purchase_id == data.purchase_id for r in hold) and any(
        r.status == "committed" and superseded(r.commit_attempt, data.attempt_id) for r in hold
    ):
        raise CouponReservationNotHeld(
            f"coupon reservation {reservation_id} was committed by another attempt of sale "
            f"{data.purchase_id} too: the sale's event redeems it if that attempt was "
            "recorded, else the sweep gives it back",
            field="attempt_id",
        )
    if not allowed:
        raise CouponReservationNotHeld(
            f"coupon reservation {reservation_id} is used by a recorded sale: the coupon "
            "comes back by the sale's return or void, as its definition says",
            field="purchase_id",
        )
    return await _answer(session, hold)


async def _release(
    session: AsyncSession,
    hold_id: uuid.UUID,
    reason: ReleaseReason,
    now: datetime,
    purchase_id: uuid.UUID | None = None,
    attempt: uuid.UUID | None = None,
) -> tuple[list[CouponRedemption], bool]:
    """The hold's redemptions, released unless they were (then: allowed) or may not be
    (confirmed or restored, committed to a sale other than ``purchase_id`` or by another
    attempt than ``attempt``; a timeout releases any commit that is due). The second
    element says whether the release is allowed."""
    hold = await repository.of_hold(session, hold_id, lock=True)
    if all(r.status == "released" for r in hold):
        return hold, True
    if any(
        r.status in ("confirmed", "restored")
        or (r.status == "committed" and reason != "timeout" and r.purchase_id != purchase_id)
        or (r.status == "committed" and superseded(r.commit_attempt, attempt))
        for r in hold
    ):
        return hold, False
    if reason == "timeout" and hold[0].expires_at > now:
        return hold, True  # committed meanwhile: not due any more
    for redemption in hold:
        await holds.give_back(session, redemption.coupon_id, "reserved")
        redemption.status = "released"
        redemption.release_reason = reason
        redemption.released_at = now
        redemption.updated_at = now
        await session.flush()
        coupon = await holds.held_coupon(session, redemption.coupon_id)
        await events.released(session, redemption, coupon, reason, now)
    return hold, True


async def release_due(sessions: Sessions, now: datetime, batch: int = 100) -> int:
    """Releases coupon holds whose hold or grace ran out by ``now``, each hold in its
    own transaction (a crash loses none and doubles none); how many were due."""
    async with transaction(sessions) as session:
        due = await repository.due(session, now, batch)
    for hold_id in due:
        async with transaction(sessions) as session:
            await _release(session, hold_id, "timeout", now)
    return len(due)
