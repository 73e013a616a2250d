"""Points at the till (积分抵现): reserve for a sale in progress, commit by the sale,
release on void, on the sale failing or on timeout, refund on return or void.

A reservation holds its points as a debit through the kernel (``till_hold``), so held
points are spent for everything else at once and the ledger's sum stays the balance; a
release is the matching credit (``till_release``). Committing moves no points: orders'
synchronous call marks the reservation as the sale's, and the sale's
``orders.purchase.completed`` confirms it. A commit whose sale never arrives (orders
crashed before recording it) is released by the sweep after the policy's grace.

Lock order, as in every point change: the account row, then the reservation row. Use
cases flush, never commit.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.loyalty.accounts import service as accounts
from services.loyalty.accounts.errors import AccountNotFound, InsufficientPoints
from services.loyalty.accounts.service import Moved, Movement, Source
from services.loyalty.reservations import domain, events, repository
from services.loyalty.reservations.domain import ReleaseReason, TillRate
from services.loyalty.reservations.errors import (
    ReservationMismatch,
    ReservationNotFound,
    ReservationNotHeld,
    TillPointsDisabled,
)
from services.loyalty.reservations.models import Reservation
from services.loyalty.reservations.schemas import (
    CommitIn,
    ReleaseIn,
    ReservationIn,
    ReservationOut,
    TillPolicyIn,
    TillPolicyOut,
)
from shared.db import AsyncSession, Sessions, transaction
from shared.events.orders import (
    PurchaseCompleted,
    PurchaseReturned,
    PurchaseVoided,
    TenderRefund,
)

log = logging.getLogger(__name__)

POINTS_TENDER = "points"


async def get_policy(session: AsyncSession) -> TillPolicyOut:
    return TillPolicyOut.model_validate(await repository.policy(session), from_attributes=True)


async def set_policy(session: AsyncSession, data: TillPolicyIn) -> TillPolicyOut:
    """Replaces the till policy; reservations already made keep their rate and expiry."""
    await repository.policy(session, lock=True)
    await repository.save_policy(session, data.model_dump())
    return await get_policy(session)


def _out(reservation: Reservation) -> ReservationOut:
    return ReservationOut.model_validate(reservation, from_attributes=True)


async def reserve(session: AsyncSession, data: ReservationIn, now: datetime) -> ReservationOut:
    """Holds points of the member's account for a sale in progress at ``data.store_id``.

    Raises :class:`TillPointsDisabled`, :class:`~.errors.TooFewPoints`,
    :class:`~.errors.PointsShareExceeded` and
    :class:`~services.loyalty.accounts.errors.InsufficientPoints` (422), and
    :class:`~services.loyalty.accounts.errors.AccountNotFound` (404).
    """
    policy = await repository.policy(session)
    if policy.max_share_percent == 0:
        raise TillPointsDisabled("the till policy takes no points (maximum share 0%)")
    priced = domain.price(
        TillRate(policy.points_per_yuan, policy.max_share_percent),
        data.sale_total_fen,
        points=data.points,
        amount_fen=data.amount_fen,
    )
    account = await accounts.locked_account_of(session, data.member_id)
    if account is None:
        raise AccountNotFound(f"No loyalty account for member {data.member_id}", field="member_id")
    reservation_id = uuid.uuid4()
    try:
        moved = await accounts.move_points(
            session,
            account,
            Movement(Source("till_hold", reservation_id), -priced.points, reason=data.sale_ref),
        )
    except InsufficientPoints as refused:
        refused.field = "points" if data.points is not None else "amount_fen"
        raise
    assert moved is not None  # a new reservation id was never recorded before
    reservation = Reservation(
        reservation_id=reservation_id,
        account_id=account.account_id,
        member_id=data.member_id,
        store_id=data.store_id,
        sale_ref=data.sale_ref,
        points=priced.points,
        amount_fen=priced.amount_fen,
        sale_total_fen=data.sale_total_fen,
        points_per_yuan=policy.points_per_yuan,
        status="held",
        expires_at=now + timedelta(minutes=policy.hold_minutes),
        created_at=now,
        updated_at=now,
    )
    await repository.add(session, reservation)
    await events.held(session, reservation, account, moved)
    return _out(reservation)


async def get_reservation(
    session: AsyncSession, reservation_id: uuid.UUID, store_id: uuid.UUID | None = None
) -> ReservationOut:
    """The reservation (of ``store_id``, if given); raises :class:`ReservationNotFound`."""
    return _out(await _of_store(session, reservation_id, store_id))


async def _of_store(
    session: AsyncSession,
    reservation_id: uuid.UUID,
    store_id: uuid.UUID | None,
    *,
    lock: bool = False,
) -> Reservation:
    reservation = await repository.reservation(session, reservation_id, lock=lock)
    if reservation is None or (store_id is not None and reservation.store_id != store_id):
        raise ReservationNotFound(f"No reservation {reservation_id} for this store")
    return reservation


async def commit(
    session: AsyncSession, reservation_id: uuid.UUID, data: CommitIn, now: datetime
) -> ReservationOut:
    """Marks a held reservation as the points tender of sale ``data.purchase_id``; again
    for the same sale, answers as before.

    Raises :class:`ReservationNotFound` (404), :class:`ReservationNotHeld` (409: released,
    expired, or committed to another sale), :class:`ReservationMismatch` (422: another
    member, another amount) and :class:`~.errors.PointsShareExceeded` (422: past the
    policy's share of the sale's total).
    """
    reservation = await _of_store(session, reservation_id, data.store_id, lock=True)
    if reservation.status in ("committed", "confirmed"):
        if reservation.purchase_id == data.purchase_id:
            return _out(reservation)
        raise ReservationNotHeld(
            f"reservation {reservation_id} pays for another sale", field="reservation_id"
        )
    if reservation.status != "held" or reservation.expires_at <= now:
        raise ReservationNotHeld(
            f"reservation {reservation_id} is no longer held (it was released or its hold "
            "ran out): reserve again, or pay otherwise",
            field="reservation_id",
        )
    if reservation.member_id != data.member_id:
        raise ReservationMismatch(
            f"reservation {reservation_id} holds another member's points", field="member_id"
        )
    if reservation.amount_fen != data.amount_fen:
        raise ReservationMismatch(
            f"reservation {reservation_id} pays {reservation.amount_fen} fen, not "
            f"{data.amount_fen} fen",
            field="amount_fen",
        )
    policy = await repository.policy(session)
    domain.check_share(
        TillRate(policy.points_per_yuan, policy.max_share_percent),
        data.sale_total_fen,
        reservation.amount_fen,
        field="amount_fen",
    )
    reservation.status = "committed"
    reservation.purchase_id = data.purchase_id
    reservation.expires_at = now + timedelta(minutes=policy.commit_grace_minutes)
    reservation.updated_at = now
    await session.flush()
    return _out(reservation)


async def release(
    session: AsyncSession, reservation_id: uuid.UUID, data: ReleaseIn, now: datetime
) -> ReservationOut:
    """Gives a reservation's points back: a held one (the till voids it, no
    ``purchase_id``), or one committed to sale ``data.purchase_id`` that failed. Releasing
    a released reservation answers as before.

    Raises :class:`ReservationNotFound` (404) and :class:`ReservationNotHeld` (409: a
    confirmed sale's points, or a commit to another or an unnamed sale).
    """
    reservation = await _of_store(session, reservation_id, data.store_id)
    reason: ReleaseReason = "void" if data.purchase_id is None else "sale_failed"
    released = await _release(session, reservation.reservation_id, reason, now, data.purchase_id)
    if not released.allowed:
        raise ReservationNotHeld(
            f"reservation {reservation_id} pays for a recorded sale: its points come back "
            "through the sale's return or void",
            field="purchase_id",
        )
    return _out(released.reservation)


@dataclass(frozen=True)
class _Released:
    reservation: Reservation
    allowed: bool = True
    """False if it may not be released (confirmed, or committed to another sale)."""
    now: bool = False
    """Whether this call released it."""


async def _release(
    session: AsyncSession,
    reservation_id: uuid.UUID,
    reason: ReleaseReason,
    now: datetime,
    purchase_id: uuid.UUID | None = None,
) -> _Released:
    """The reservation, released unless it was or may not be (confirmed, or committed to
    a sale other than ``purchase_id``; a timeout releases any commit that is due)."""
    found = await repository.reservation(session, reservation_id)
    assert found is not None
    account = await accounts.locked_account_now(session, found.account_id)
    reservation = await repository.reservation(session, reservation_id, lock=True)
    assert reservation is not None
    if reservation.status == "released":
        return _Released(reservation)
    if reservation.status == "confirmed" or (
        reservation.status == "committed"
        and reason != "timeout"
        and reservation.purchase_id != purchase_id
    ):
        return _Released(reservation, allowed=False)
    if reason == "timeout" and reservation.expires_at > now:
        return _Released(reservation)  # committed meanwhile: not due any more
    moved = await accounts.move_points(
        session,
        account,
        Movement(
            Source("till_release", reservation_id),
            reservation.points,
            reason=reason,
            restores=(Source("till_hold", reservation_id),),
        ),
    )
    reservation.status = "released"
    reservation.release_reason = reason
    reservation.released_at = now
    reservation.updated_at = now
    await session.flush()
    if moved is not None:
        await events.released(session, reservation, account, moved, reason)
    return _Released(reservation, now=True)


async def release_due(sessions: Sessions, now: datetime, batch: int = 100) -> int:
    """Releases reservations whose hold or grace ran out by ``now``, each in its own
    transaction (a crash loses no release and doubles none: a released one is skipped);
    the number released. Run it again until it answers 0."""
    async with transaction(sessions) as session:
        due = await repository.due(session, now, batch)
    released = 0
    for reservation_id in due:
        async with transaction(sessions) as session:
            released += (await _release(session, reservation_id, "timeout", now)).now
    return released


def _points_fen(refunds: Sequence[TenderRefund] | None) -> int:
    """What the refunds give back of the points tender, in fen."""
    return sum(refund.amount_fen for refund in refunds or () if refund.kind == POINTS_TENDER)


async def confirm_for_purchase(
    session: AsyncSession, purchase: PurchaseCompleted, event_id: str | None = None
) -> None:
    """The sale is recorded: the reservation it committed is confirmed.

    If the sweep gave its points back already (the event came later than the policy's
    grace: a broker outage longer than that), the sale did use them: they are taken again
    (``till_retake``), as far as the balance has them, the rest recorded as shortfall, and
    the reservation is confirmed. Changes nothing the second time.
    """
    receipt = purchase.receipt
    if receipt is None or not any(t.kind == POINTS_TENDER for t in receipt.tenders):
        return
    found = await repository.used_by(session, purchase.purchase_id)
    if found is None or found.status == "confirmed":
        if found is None:
            log.error("purchase %s paid with points no reservation holds", purchase.purchase_id)
        return
    account = await accounts.locked_account_now(session, found.account_id)
    reservation = await repository.reservation(session, found.reservation_id, lock=True)
    assert reservation is not None
    retaken: Moved | None = None
    taken = 0
    if reservation.status == "released":
        taken = min(reservation.points, account.balance)
        retaken = await accounts.move_points(
            session,
            account,
            Movement(
                Source("till_retake", reservation.reservation_id),
                -taken,
                shortfall=reservation.points - taken,
                event_id=event_id,
                reason="sale event after the grace",
                spend=False,  # a correction: ``taken`` counts pending points (the sale's own)
            ),
        )
        log.warning(
            "purchase %s came after reservation %s was released: %d points taken again",
            purchase.purchase_id,
            reservation.reservation_id,
            taken,
        )
        reservation.release_reason = None
    if reservation.status in ("committed", "released"):
        reservation.status = "confirmed"
        reservation.updated_at = purchase.purchased_at
        await session.flush()
    if retaken is not None:  # once confirmed: the emit flushes, and released needs its reason
        await events.retaken(session, reservation, account, retaken, points=taken)


async def refund_for_return(
    session: AsyncSession, returned: PurchaseReturned, event_id: str | None = None
) -> None:
    """Credits the points share a return refunds (``till_refund``, the return's id); see
    :func:`domain.refund_points` for the proportion. Once per return."""
    await _refund(
        session, returned.purchase_id, returned.return_id, _points_fen(returned.refunds), event_id
    )


async def refund_for_void(
    session: AsyncSession, voided: PurchaseVoided, event_id: str | None = None
) -> None:
    """Credits the whole points tender of a voided sale (``till_refund``, the purchase's
    id). Once per void."""
    await _refund(
        session, voided.purchase_id, voided.purchase_id, _points_fen(voided.refunds), event_id
    )


async def _refund(
    session: AsyncSession,
    purchase_id: uuid.UUID,
    source_id: uuid.UUID,
    refund_fen: int,
    event_id: str | None,
) -> None:
    """Credits the points ``refund_fen`` of the points tender gives back. The ledger entry
    (one per source) makes a repeat change nothing; a refund the tender cannot take any
    more is a repeat too (the inbox keeps events effectively once: this is the second
    fence). A refund worth less than a point moves nothing and is only counted."""
    if refund_fen == 0:
        return
    found = await repository.used_by(session, purchase_id)
    if found is None or found.status == "released":
        log.error("purchase %s refunds points but uses no reservation", purchase_id)
        return
    account = await accounts.locked_account_now(session, found.account_id)
    reservation = await repository.reservation(session, found.reservation_id, lock=True)
    assert reservation is not None
    if reservation.refunded_fen + refund_fen > reservation.amount_fen:
        log.warning("refund %s of purchase %s was credited before", source_id, purchase_id)
        return
    points = domain.refund_points(
        points=reservation.points,
        amount_fen=reservation.amount_fen,
        refunded_fen=reservation.refunded_fen,
        refunded_points=reservation.refunded_points,
        refund_fen=refund_fen,
    )
    moved = (
        await accounts.move_points(
            session,
            account,
            Movement(
                Source("till_refund", source_id),
                points,
                event_id=event_id,
                restores=domain.spent_by(found.reservation_id),
            ),
        )
        if points > 0
        else None
    )
    if moved is None and points > 0:
        log.warning("refund %s of purchase %s was credited before", source_id, purchase_id)
        return
    if points > 0:
        await repository.add_refund(session, source_id, reservation.reservation_id, points)
    reservation.refunded_fen += refund_fen
    reservation.refunded_points += points
    await session.flush()
    if moved is not None:
        return_id = None if source_id == purchase_id else source_id
        await events.refunded(session, reservation, account, moved, points, refund_fen, return_id)
