"""What orders' sale events do to points and stored value at the till: a recorded sale
confirms the reservations its tenders name (taking the points or the money again if the
sweep gave them back meanwhile), a return refunds each tender's share as orders allocated it, a
void all of it.

Lock order, as in every point change: the account row, then the reservation row; for
stored value the reservation row, then the wallet's. Use cases flush, never commit; each
is once per event (the ledger entry's source is the fence).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime

from services.loyalty.accounts import service as accounts
from services.loyalty.accounts.service import Moved, Movement, Source
from services.loyalty.reservations import domain, events, repository
from services.loyalty.reservations.domain import TENDERS, Tender
from services.loyalty.reservations.models import Reservation
from services.loyalty.reservations.service import payment_of as _payment
from services.loyalty.wallets import payments as wallets
from shared.db import AsyncSession
from shared.events.orders import (
    PurchaseCompleted,
    PurchaseReturned,
    PurchaseVoided,
    TenderPaid,
    TenderRefund,
)

log = logging.getLogger(__name__)

POINTS_TENDER = "points"


def _tender_fen(refunds: Sequence[TenderRefund] | None, tender: Tender) -> int:
    """What the refunds give back of the tender, in fen."""
    return sum(refund.amount_fen for refund in refunds or () if refund.kind == tender)


async def confirm_for_purchase(
    session: AsyncSession, purchase: PurchaseCompleted, event_id: str | None = None
) -> None:
    """The sale is recorded: the reservation each points or stored-value tender paid with
    is confirmed. A sale without such a tender costs no query.

    Each tender names its reservation (``reservation_id``): that one is confirmed and no
    other. A reservation committed to the same purchase id that the event does not name
    is left alone: an attempt of the sale that failed committed it and its undo was lost,
    and this sale, recorded later under the same receipt number, did not use it; the sweep
    gives it back after the till policy's grace. A named reservation of another purchase
    or another kind of tender is logged and left alone. A tender from before tenders named
    it (None) confirms the reservation of its kind committed to the purchase id, as then.

    If the sweep gave the points or money back already (the event came later than the
    grace: a broker outage longer than that), the sale did use them: they are taken again
    (points ``till_retake``, as far as the balance has them, the rest recorded as
    shortfall; money as far as the wallet has it) and the reservation is confirmed. A
    reservation released for another reason (the till voided it, or orders undid the
    attempt that committed it) stays released: an undo of the attempt a recorded sale
    used is refused (:mod:`shared.attempts`), so such a release gave back what no recorded
    sale uses. Changes nothing the second time.
    """
    receipt = purchase.receipt
    if receipt is None:
        return
    paying = {tender.kind: tender for tender in receipt.tenders if tender.kind in TENDERS}
    if "stored_value" in paying:
        found = await _paid_with(session, purchase, paying["stored_value"])
        if found is not None:
            await _confirm_stored_value(session, purchase, found.reservation_id)
    if POINTS_TENDER in paying:
        found = await _paid_with(session, purchase, paying[POINTS_TENDER])
        if found is not None:
            await _confirm_points(session, purchase, found, event_id)


async def _paid_with(
    session: AsyncSession, purchase: PurchaseCompleted, tender: TenderPaid
) -> Reservation | None:
    """The reservation the tender paid with, as the event names it (an event from before
    tenders named it: the one of the tender's kind committed to the purchase id); None,
    logged, if there is none of this purchase and kind, or it is confirmed already."""
    if tender.reservation_id is None:
        found = await repository.used_by(session, purchase.purchase_id, tender.kind)
    else:
        found = await repository.reservation(session, tender.reservation_id)
        if found is not None and (
            found.purchase_id != purchase.purchase_id or found.tender != tender.kind
        ):
            log.error(
                "purchase %s names %s reservation %s, which is not committed to it",
                purchase.purchase_id,
                tender.kind,
                tender.reservation_id,
            )
            return None
    if found is None:
        log.error(
            "purchase %s paid with %s no reservation holds", purchase.purchase_id, tender.kind
        )
        return None
    return None if found.status == "confirmed" else found


def _retaken(reservation: Reservation) -> bool:
    """Whether a locked reservation is one the sale's event takes back: one the recorded
    sale committed that was released since, by the sweep (``timeout``) or by a late undo
    of an attempt that the contested rule could not refuse (an attempt naming no id: an
    orders from before attempt ids, in a rolling upgrade). Either way the sale was
    recorded paying with it, so it is taken again."""
    return reservation.status == "released"


async def _confirm_points(
    session: AsyncSession, purchase: PurchaseCompleted, found: Reservation, event_id: str | None
) -> None:
    """Confirms the points reservation ``found``, taking its points again if the sweep
    released it (see :func:`confirm_for_purchase`)."""
    account = await accounts.locked_account_now(session, found.account_id)
    reservation = await repository.reservation(session, found.reservation_id, lock=True)
    assert reservation is not None
    retaken: Moved | None = None
    taken = 0
    if _retaken(reservation):
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
        reservation.status = "committed"  # confirmed below
    if reservation.status == "committed":
        reservation.status = "confirmed"
        reservation.updated_at = purchase.purchased_at
        await session.flush()
    if retaken is not None:  # once confirmed: the emit flushes, and released needs its reason
        await events.retaken(session, reservation, account, retaken, points=taken)


async def _confirm_stored_value(
    session: AsyncSession, purchase: PurchaseCompleted, reservation_id: uuid.UUID
) -> None:
    """Confirms the stored-value reservation the sale committed; one the sweep released
    meanwhile has its money taken again, as far as the wallet has it (the rest logged)."""
    reservation = await repository.reservation(session, reservation_id, lock=True)
    assert reservation is not None
    if _retaken(reservation):
        shortfall = await wallets.retake(
            session,
            _payment(reservation),
            reservation.amount_fen,
            purchase.purchased_at,
            purchase_id=purchase.purchase_id,
        )
        log.warning(
            "purchase %s came after reservation %s was released: taken again, %d fen short",
            purchase.purchase_id,
            reservation.reservation_id,
            shortfall,
        )
        reservation.release_reason = None
        reservation.status = "committed"  # confirmed below
    if reservation.status == "committed":
        reservation.status = "confirmed"
        reservation.updated_at = purchase.purchased_at
        await session.flush()


async def refund_for_return(
    session: AsyncSession, returned: PurchaseReturned, event_id: str | None = None
) -> None:
    """Credits the points share a return refunds (``till_refund``, the return's id; see
    :func:`domain.refund_points` for the proportion) and its stored-value share (to the
    wallet, as orders allocated it). Once per return."""
    for tender in TENDERS:
        await _refund(
            session,
            returned.purchase_id,
            returned.return_id,
            _tender_fen(returned.refunds, tender),
            event_id,
            tender,
            returned.returned_at,
        )


async def refund_for_void(
    session: AsyncSession, voided: PurchaseVoided, event_id: str | None = None
) -> None:
    """Credits the whole points and stored-value tenders of a voided sale (``till_refund``
    or a wallet refund, the purchase's id). Once per void."""
    for tender in TENDERS:
        await _refund(
            session,
            voided.purchase_id,
            voided.purchase_id,
            _tender_fen(voided.refunds, tender),
            event_id,
            tender,
            voided.voided_at,
        )


async def _refund(
    session: AsyncSession,
    purchase_id: uuid.UUID,
    source_id: uuid.UUID,
    refund_fen: int,
    event_id: str | None,
    tender: Tender,
    at: datetime,
) -> None:
    """Credits the points ``refund_fen`` of the points tender gives back. The ledger entry
    (one per source) makes a repeat change nothing; a refund the tender cannot take any
    more is a repeat too (the inbox keeps events effectively once: this is the second
    fence). A refund worth less than a point moves nothing and is only counted."""
    if refund_fen == 0:
        return
    found = await repository.used_by(session, purchase_id, tender)
    if found is None or found.status == "released":
        log.error("purchase %s refunds %s but uses no reservation", purchase_id, tender)
        return
    if tender == "stored_value":
        await _refund_stored_value(session, found.reservation_id, source_id, refund_fen, at)
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


async def _refund_stored_value(
    session: AsyncSession,
    reservation_id: uuid.UUID,
    source_id: uuid.UUID,
    refund_fen: int,
    at: datetime,
) -> None:
    """Credits ``refund_fen`` back to the wallet the sale paid from: fen for fen, onto the
    lots the payment drew on (:func:`services.loyalty.wallets.payments.refund`)."""
    reservation = await repository.reservation(session, reservation_id, lock=True)
    assert reservation is not None
    assert reservation.purchase_id is not None
    if reservation.refunded_fen + refund_fen > reservation.amount_fen:
        log.warning("refund %s of purchase %s was credited before", source_id, reservation_id)
        return
    credited = await wallets.refund(
        session,
        _payment(reservation),
        refund_fen,
        at,
        purchase_id=reservation.purchase_id,
        return_id=None if source_id == reservation.purchase_id else source_id,
    )
    if credited:
        reservation.refunded_fen += refund_fen
        await session.flush()
