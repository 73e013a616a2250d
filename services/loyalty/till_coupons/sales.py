"""What orders' sale events do to coupons at the till: a recorded sale redeems the
coupons it names as used; a return or void gives it back as its definition's
``restore_on_return`` says (:func:`domain.restore_due`).

Each is once per event: the redemption's status is the fence (``committed`` →
``confirmed`` → ``restored``, each move made once under the redemption's row lock), and a
return counts its units once (``return_ids``). Lock order: the redemption, then the coupon.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime

from services.loyalty.coupons import holds
from services.loyalty.coupons.domain import Basket
from services.loyalty.till_coupons import domain, events, repository
from services.loyalty.till_coupons.domain import BasketLine, ReleaseReason
from shared.db import AsyncSession
from shared.events.orders import PurchaseCompleted, PurchaseReturned, PurchaseVoided

log = logging.getLogger(__name__)


async def redeem_for_purchase(session: AsyncSession, purchase: PurchaseCompleted) -> None:
    """The sale is recorded: each coupon reservation it used is confirmed and its coupon
    redeemed (``loyalty.coupon.redeemed``). The event names them
    (``coupon_reservations``): a sale naming none costs no query. A reservation committed
    to the same purchase id that the event does not name is left alone: an attempt of the
    sale that failed committed it and its undo was lost, and this sale, recorded later
    under the same receipt number, did not use it; the sweep gives it back after the till
    policy's grace. A named reservation of another purchase is logged and left alone. An
    event from before sales named them (None) redeems every reservation committed to the
    purchase id, as then; only a sale with a discounted line is looked up.

    A reservation the event names was committed by the recorded sale: if it was released
    since (the sweep, as the event came later than the grace; or a late undo of another
    attempt that the contested rule could not refuse, one naming no attempt id, during a
    rolling upgrade), the sale did use it, and it is redeemed again if the coupon is still
    active; if another sale took it meanwhile, that is logged and the reservation stays
    released (the invariant's exception: that sale's discount is not backed by the coupon).
    An event from before sales named them takes back only the sweep's release: a hold
    released otherwise may be an attempt that failed before the till recorded another
    sale under the same receipt number, which did not use it.
    """
    named = purchase.coupon_reservations
    if named is None:
        if not any(line.discount_fen for line in purchase.lines):
            return
        used = await repository.of_purchase(session, purchase.purchase_id)
    else:
        used = sorted(set(named))  # one hold's coupons, locked in its order (of_hold's)
    for reservation_id in used:
        redemption = await repository.redemption(session, reservation_id, lock=True)
        if redemption is None or redemption.purchase_id != purchase.purchase_id:
            log.error(
                "purchase %s names coupon reservation %s, which is not committed to it",
                purchase.purchase_id,
                reservation_id,
            )
            continue
        if redemption.status == "committed":
            was = "reserved"
        elif redemption.status == "released" and (
            named is not None or redemption.release_reason == "timeout"
        ):
            was = "active"
        else:
            continue
        if not await holds.redeem(session, redemption.coupon_id, was=was):
            log.error(
                "purchase %s used coupon reservation %s after it ran out, and the coupon "
                "was used again meanwhile",
                purchase.purchase_id,
                reservation_id,
            )
            continue
        redemption.status = "confirmed"
        redemption.release_reason = None
        redemption.released_at = None
        redemption.updated_at = purchase.purchased_at
        await session.flush()
        coupon = await holds.held_coupon(session, redemption.coupon_id)
        await events.redeemed(session, redemption, coupon, purchase.purchased_at)


async def restore_for_return(session: AsyncSession, returned: PurchaseReturned) -> None:
    """Counts the returned units against the sale's redeemed coupon, and gives it back if
    its definition's policy says so now. Once per return."""
    units = {line.line_no: line.quantity for line in returned.lines}
    await _restore(
        session, returned.purchase_id, units, "returned", returned.returned_at, returned.return_id
    )


async def restore_for_void(session: AsyncSession, voided: PurchaseVoided) -> None:
    """A void gives the sale's redeemed coupon back unless its policy is ``never``."""
    await _restore(session, voided.purchase_id, None, "voided", voided.voided_at, None)


async def _restore(
    session: AsyncSession,
    purchase_id: uuid.UUID,
    units: Mapping[int, int] | None,
    reason: ReleaseReason,
    at: datetime,
    return_id: uuid.UUID | None,
) -> None:
    """``units`` per line number came back (None: all of the sale, a void). The coupons
    the sale still uses (confirmed) are judged together, as they were stacked."""
    using = []
    for reservation_id in await repository.of_purchase(session, purchase_id):
        redemption = await repository.redemption(session, reservation_id, lock=True)
        assert redemption is not None
        if redemption.status != "confirmed":
            continue
        if units is not None:
            if str(return_id) in redemption.return_ids:
                continue
            counted = {int(no): n for no, n in redemption.returned.items()}
            for no, n in units.items():
                counted[no] = counted.get(no, 0) + n
            redemption.returned = {str(no): n for no, n in sorted(counted.items())}
            redemption.return_ids = [*redemption.return_ids, str(return_id)]
        redemption.updated_at = at
        using.append((redemption, await holds.held_coupon(session, redemption.coupon_id)))
    await session.flush()
    if not using:
        return
    first = using[0][0]
    priced = [BasketLine.from_json(row) for row in first.lines]
    returned = (
        {line.line_no: line.quantity for line in priced}
        if units is None
        else {int(no): n for no, n in first.returned.items()}
    )
    basket = Basket(tuple(domain.kept(priced, {})), first.store_id, first.created_at)
    stack = [(_policy(coupon), coupon.priced) for _, coupon in using]
    due = domain.restore_due(stack, basket, priced, returned)
    for (redemption, coupon), restore in zip(using, due, strict=True):
        if not restore:
            continue
        await holds.give_back(session, redemption.coupon_id, "redeemed")
        redemption.status = "restored"
        redemption.release_reason = reason
        redemption.released_at = at
        await session.flush()
        await events.released(session, redemption, coupon, reason, at, return_id)


def _policy(coupon: holds.HeldCoupon) -> domain.RestorePolicy:
    return coupon.restore_on_return  # type: ignore[return-value]
