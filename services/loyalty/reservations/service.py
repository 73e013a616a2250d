"""Points at the till (积分抵现): reserve for a sale in progress, commit by the sale,
release on void, on the sale failing or on timeout (what the sale's own events do to a
reservation, confirm and refund, is :mod:`services.loyalty.reservations.sales`).

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

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from services.loyalty.accounts import service as accounts
from services.loyalty.accounts.errors import AccountNotFound
from services.loyalty.accounts.service import Movement, Source
from services.loyalty.reservations import domain, events, repository
from services.loyalty.reservations.domain import ReleaseReason, TillRate
from services.loyalty.reservations.errors import (
    ReservationMismatch,
    ReservationNotFound,
    ReservationNotHeld,
    TillPointsDisabled,
)
from services.loyalty.reservations.models import Reservation, TillPolicy
from services.loyalty.reservations.schemas import (
    CommitIn,
    ReleaseIn,
    ReservationIn,
    ReservationOut,
    TillPolicyIn,
    TillPolicyOut,
)
from services.loyalty.wallets import payments as wallets
from services.loyalty.wallets.domain import TillPayment
from shared.attempts import recommitted, superseded
from shared.db import AsyncSession, Sessions, transaction


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
    """Holds points, or stored value (``data.tender``), of the member's account for a sale
    in progress at ``data.store_id``.

    Raises :class:`TillPointsDisabled`, :class:`~.errors.TooFewPoints`,
    :class:`~.errors.PointsShareExceeded`,
    :class:`~services.loyalty.accounts.errors.InsufficientPoints` and
    :class:`~services.loyalty.wallets.errors.InsufficientStoredValue` (422), and
    :class:`~services.loyalty.accounts.errors.AccountNotFound` (404).
    """
    policy = await repository.policy(session)

    def held(account_id: uuid.UUID, points: int, amount_fen: int, rate: int) -> Reservation:
        return Reservation(
            reservation_id=reservation_id,
            account_id=account_id,
            member_id=data.member_id,
            store_id=data.store_id,
            sale_ref=data.sale_ref,
            tender=data.tender,
            points=points,
            amount_fen=amount_fen,
            sale_total_fen=data.sale_total_fen,
            points_per_yuan=rate,
            status="held",
            expires_at=now + timedelta(minutes=policy.hold_minutes),
            created_at=now,
            updated_at=now,
        )

    reservation_id = uuid.uuid4()
    if data.tender == "stored_value":
        assert data.amount_fen is not None  # the schema asks stored value by amount
        owner = await accounts.own_account_of(session, data.member_id)  # never pooled
        reservation = held(owner.account_id, 0, data.amount_fen, 0)
        await wallets.pay(
            session, payment_of(reservation), data.amount_fen, now, field="amount_fen"
        )
        await repository.add(session, reservation)
        return _out(reservation)
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
    moved = await accounts.move_new_points(
        session,
        account,
        Movement(Source("till_hold", reservation_id), -priced.points, reason=data.sale_ref),
        field="points" if data.points is not None else "amount_fen",
    )
    reservation = held(account.account_id, priced.points, priced.amount_fen, policy.points_per_yuan)
    await repository.add(session, reservation)
    await events.held(session, reservation, account, moved)
    return _out(reservation)


def payment_of(reservation: Reservation) -> TillPayment:
    """A stored-value reservation as the wallet kernel names its payment."""
    return TillPayment(
        reservation.reservation_id,
        reservation.account_id,
        reservation.member_id,
        reservation.store_id,
    )


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
    for the same sale, the same member and amount, answers as before (by another attempt,
    the commit is contested: :mod:`shared.attempts`).

    Raises :class:`ReservationNotFound` (404), :class:`ReservationNotHeld` (409: released,
    expired, committed to another sale, or the sale pays with another reservation of the
    tender already, also when two commits race for it), :class:`ReservationMismatch` (422:
    another kind of tender, another member, another amount, also for a reservation
    committed to the sale already: another sale under the same receipt number) and
    :class:`~.errors.PointsShareExceeded` (422: past the policy's share of the sale's
    total).
    """
    reservation = await _of_store(session, reservation_id, data.store_id, lock=True)
    if reservation.status in ("committed", "confirmed"):
        if reservation.purchase_id == data.purchase_id:
            _check_match(reservation, data)  # another sale under the receipt number?
            _check_share(reservation, data, await repository.policy(session))
            if reservation.status == "committed" and data.attempt_id is not None:
                reservation.commit_attempt = recommitted(
                    reservation.commit_attempt, data.attempt_id
                )
                await session.flush()
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
    _check_match(reservation, data)
    policy = await repository.policy(session)
    _check_share(reservation, data, policy)
    paying = await repository.used_by(session, data.purchase_id, reservation.tender)
    if paying is not None and paying.status in ("committed", "confirmed"):
        raise _paid_already(data.purchase_id, reservation.tender, paying.reservation_id)
    reservation.status = "committed"
    reservation.purchase_id = data.purchase_id
    reservation.commit_attempt = data.attempt_id
    reservation.expires_at = now + timedelta(minutes=policy.commit_grace_minutes)
    reservation.updated_at = now
    tender = reservation.tender  # the failed flush rolls the transaction back, rows and all
    try:
        await session.flush()
    except IntegrityError as clash:  # another reservation committed to the sale meanwhile
        if "ux_till_reservations_purchase" not in str(clash.orig):
            raise
        raise _paid_already(data.purchase_id, tender, None) from clash
    return _out(reservation)


def _check_share(reservation: Reservation, data: CommitIn, policy: TillPolicy) -> None:
    """Raises :class:`~.errors.PointsShareExceeded` (422) if points pay more of the sale
    ``data`` than the till policy allows; also for a reservation committed to the sale's
    purchase id already (another sale under the receipt number, a smaller one)."""
    if reservation.tender == "points":
        domain.check_share(
            TillRate(policy.points_per_yuan, policy.max_share_percent),
            data.sale_total_fen,
            reservation.amount_fen,
            field="amount_fen",
        )


def _check_match(reservation: Reservation, data: CommitIn) -> None:
    """Raises :class:`ReservationMismatch` (422) unless the sale ``data`` pays with the
    reservation's kind of tender (if it says), and is the member and the amount the
    reservation holds (also when it is committed to the sale's purchase id
    already: another sale recorded under the same receipt number must not be told that a
    reservation of other points pays it)."""
    reservation_id = reservation.reservation_id
    if data.tender is not None and reservation.tender != data.tender:
        raise ReservationMismatch(
            f"reservation {reservation_id} holds {reservation.tender}, not {data.tender}",
            field="tender",
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


def _paid_already(
    purchase_id: uuid.UUID, tender: str, paying: uuid.UUID | None
) -> ReservationNotHeld:
    """The 409 for a commit to a sale that another reservation of the tender is committed
    to (an earlier attempt of the sale, under the same receipt number, committed it and its
    undo did not reach loyalty); ``paying`` is that reservation, if known."""
    which = f"reservation {paying}" if paying is not None else "another reservation"
    return ReservationNotHeld(
        f"sale {purchase_id} pays with {tender} {which} already (an earlier attempt of the "
        "sale, under the same receipt number, committed it): no other reservation of "
        f"{tender} may pay it. If that attempt was not recorded, loyalty gives it back after "
        "the till policy's grace; pay the rest otherwise, or under a new receipt number",
        field="reservation_id",
    )


async def release(
    session: AsyncSession, reservation_id: uuid.UUID, data: ReleaseIn, now: datetime
) -> ReservationOut:
    """Gives a reservation's points back: a held one (the till voids it, no
    ``purchase_id``), or one committed to sale ``data.purchase_id`` that failed. Releasing
    a released reservation answers as before.

    Raises :class:`ReservationNotFound` (404) and :class:`ReservationNotHeld` (409: a
    confirmed sale's points, a commit to another or an unnamed sale, or one another
    attempt of the sale than ``data.attempt_id`` committed too).
    """
    reservation = await _of_store(session, reservation_id, data.store_id)
    reason: ReleaseReason = "void" if data.purchase_id is None else "sale_failed"
    released = await _release(
        session, reservation.reservation_id, reason, now, data.purchase_id, data.attempt_id
    )
    if released.superseded:
        raise ReservationNotHeld(
            f"reservation {reservation_id} was committed by another attempt of sale "
            f"{data.purchase_id} too: the sale's event confirms it if that attempt was "
            "recorded, else the sweep gives it back",
            field="attempt_id",
        )
    if not released.allowed:
        raise ReservationNotHeld(
            f"reservation {reservation_id} is committed to sale {released.reservation.purchase_id}"
            ": a recorded sale's points come back through its return or void; a sale that was "
            "not recorded gives them back through orders' undo or, after the till policy's "
            "grace, loyalty's sweep",
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
    superseded: bool = False
    """True if another attempt of the sale than the one undoing it committed it."""


async def _release(
    session: AsyncSession,
    reservation_id: uuid.UUID,
    reason: ReleaseReason,
    now: datetime,
    purchase_id: uuid.UUID | None = None,
    attempt: uuid.UUID | None = None,
) -> _Released:
    """The reservation, released unless it was or may not be (confirmed, committed to a
    sale other than ``purchase_id``, or by another attempt than ``attempt``; a timeout
    releases any commit that is due). Lock
    order: points, the account then the reservation; stored value, the reservation then
    the wallet (every stored-value change of a reservation takes them so)."""
    found = await repository.reservation(session, reservation_id)
    assert found is not None
    account = (
        await accounts.locked_account_now(session, found.account_id)
        if found.tender == "points"
        else None
    )
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
    if reservation.status == "committed" and superseded(reservation.commit_attempt, attempt):
        return _Released(reservation, allowed=False, superseded=True)
    if reason == "timeout" and reservation.expires_at > now:
        return _Released(reservation)  # committed meanwhile: not due any more
    if account is None:
        await wallets.release(
            session,
            payment_of(reservation),
            reservation.amount_fen,
            now,
            reason=reason,
            purchase_id=reservation.purchase_id,
        )
        moved = None
    else:
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
    if account is not None and moved is not None:
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
