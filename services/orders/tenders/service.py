"""Paying a sale with points (积分抵现) or stored value (储值): committing each held
tender's reservation at loyalty while the sale is recorded, and undoing that when
recording fails.

The order, in the sale's own transaction: the sale's rows and its event (in the outbox)
are inserted by one statement (not committed), then loyalty commits the reservation to
the sale, then the request commits. The sale's id is named by its receipt number, so the
till's retry after orders died between the two commits is the same sale to loyalty,
answered as before. If loyalty refuses or cannot be reached, the sale is not
recorded (422 ``points-refused`` or 503 ``loyalty-unavailable``; the till may take it
without points). If anything fails after loyalty committed, orders asks loyalty to release
the reservation (a compensation); if even that cannot reach loyalty, or the process dies
first, loyalty's sweep releases a commit whose sale event never arrives after the till
policy's grace. Loyalty confirms the commit when ``orders.purchase.completed`` arrives.
Each request is an attempt of its own (:mod:`shared.attempts`), named in its commits and
its undos: an undo that reaches loyalty late, after the till's retry committed the same
reservation again and was recorded, is refused there.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from services.orders.directory import service as directory
from services.orders.tenders.domain import HELD, Paid
from services.orders.tenders.errors import CouponRefused, LoyaltyUnavailable, PointsRefused
from services.orders.tenders.loyalty import Loyalty
from services.orders.tenders.schemas import DepositIn, DepositOut, PointsHoldIn, PointsHoldOut
from shared.coupons import CouponHoldOut
from shared.crypto import PiiCipher
from shared.db import AsyncSession

log = logging.getLogger(__name__)


@asynccontextmanager
async def held_tenders_paid(
    loyalty: Loyalty,
    *,
    store_id: uuid.UUID,
    member_id: uuid.UUID,
    purchase_id: uuid.UUID,
    attempt: uuid.UUID,
    total_fen: int,
    tenders: Sequence[Paid],
) -> AsyncIterator[None]:
    """Commits the sale's points and stored-value tenders at loyalty (those it has, in
    the order given), runs the body, and releases every reservation committed if the body
    or a later commit raises; ``attempt`` names this request in both
    (:mod:`shared.attempts`).

    Raises :class:`PointsRefused` (422, ``tenders.<i>.reservation_id``) and
    :class:`LoyaltyUnavailable` (503).
    """
    async with AsyncExitStack() as committed:
        for index, tender in enumerate(tenders):
            if tender.kind not in HELD:
                continue
            reservation_id = tender.reservation_id
            assert reservation_id is not None  # a held tender names its reservation
            body = {
                "store_id": str(store_id),
                "member_id": str(member_id),
                "purchase_id": str(purchase_id),
                "amount_fen": tender.amount_fen,
                "sale_total_fen": total_fen,
                "attempt_id": str(attempt),
                "tender": tender.kind,  # a reservation of the other kind is refused
            }
            field = f"tenders.{index}.reservation_id"
            await committed.enter_async_context(
                _committed(
                    functools.partial(loyalty.commit, reservation_id, body, field=field),
                    functools.partial(
                        _undo, loyalty.release, store_id, reservation_id, purchase_id, attempt
                    ),
                )
            )
        yield


@asynccontextmanager
async def coupons_used(
    loyalty: Loyalty,
    *,
    store_id: uuid.UUID,
    member_id: uuid.UUID,
    purchase_id: uuid.UUID,
    attempt: uuid.UUID,
    lines: Sequence[Mapping[str, Any]],
    held: Mapping[uuid.UUID, int],
) -> AsyncIterator[None]:
    """Commits the sale's held coupons at loyalty (if it names any: ``held`` maps each
    reservation to the index of its discount; they are one hold's, and loyalty commits a
    hold's coupons together through any of them), runs the body, and releases them again
    if the body raises. ``lines`` are the sale's lines (``line_no``, ``sku``,
    ``quantity``, ``amount_fen`` before discounts), which loyalty checks are the basket
    the coupons were held for.

    Raises :class:`CouponRefused` (422, ``discounts.<i>.coupon_reservation_id``) and
    :class:`LoyaltyUnavailable` (503).
    """
    if not held:
        yield
        return
    reservation_id, index = min(held.items(), key=lambda item: item[1])
    body = {
        "store_id": str(store_id),
        "member_id": str(member_id),
        "purchase_id": str(purchase_id),
        "lines": [dict(line) for line in lines],
        "attempt_id": str(attempt),
    }
    field = f"discounts.{index}.coupon_reservation_id"
    async with _committed(
        lambda: loyalty.commit_coupon(reservation_id, body, field=field),
        lambda: _undo(loyalty.release_coupon, store_id, reservation_id, purchase_id, attempt),
    ):
        yield


@asynccontextmanager
async def _committed(
    commit: Callable[[], Awaitable[object]], undo: Callable[[], Awaitable[None]]
) -> AsyncIterator[None]:
    """``commit``, then the body; ``undo`` if the body raises, or if loyalty did not
    answer the commit (it may have happened with only its answer lost: undone now if
    loyalty is back, else its sweep does after the grace)."""
    try:
        await commit()
    except LoyaltyUnavailable:
        await undo()
        raise
    try:
        yield
    except BaseException:
        await undo()
        raise


Release = Callable[[uuid.UUID, dict[str, Any], str], Awaitable[dict[str, Any]]]


async def _undo(
    release: Release,
    store_id: uuid.UUID,
    reservation_id: uuid.UUID,
    purchase_id: uuid.UUID,
    attempt: uuid.UUID,
) -> None:
    """Releases the reservation (of points or of a coupon) that ``attempt`` committed to a
    sale it did not record; never raises (what it cannot release, loyalty's sweep does; what
    another attempt committed too, loyalty refuses to release: that attempt's sale event
    confirms it, or the sweep releases it)."""
    body = {"store_id": str(store_id), "purchase_id": str(purchase_id), "attempt_id": str(attempt)}
    try:
        await release(reservation_id, body, f"undo-{reservation_id}-{attempt}")
    except (LoyaltyUnavailable, PointsRefused, CouponRefused) as failed:
        log.warning(
            "could not release reservation %s of failed sale %s (%s); the sale's event or "
            "loyalty's sweep settles it",
            reservation_id,
            purchase_id,
            failed.detail,
        )


async def hold_points(
    session: AsyncSession,
    cipher: PiiCipher,
    loyalty: Loyalty,
    store_id: uuid.UUID,
    data: PointsHoldIn,
    key: str,
) -> PointsHoldOut:
    """Asks loyalty to hold points for the store's sale in progress, for the member the
    till names (as a sale names them). ``key`` is the till's Idempotency-Key: loyalty gets
    one derived from it and the store, so a till's retry is answered as the first call.

    Raises ``UnknownMember`` and :class:`PointsRefused` (422) and
    :class:`LoyaltyUnavailable` (503).
    """
    member_id = (await directory.find_members(session, cipher, [data])).member_of(data)
    body = {
        "member_id": str(member_id),
        "store_id": str(store_id),
        "sale_ref": data.sale_ref,
        "sale_total_fen": data.sale_total_fen,
        "tender": data.tender,
        "points": data.points,
        "amount_fen": data.amount_fen,
    }
    field = "points" if data.points is not None else "amount_fen"
    held = await loyalty.reserve(body, derived_key("hold", store_id, key), field=field)
    return PointsHoldOut.model_validate(held)


async def release_points(
    loyalty: Loyalty, store_id: uuid.UUID, reservation_id: uuid.UUID, key: str
) -> PointsHoldOut:
    """The till voids a hold before any sale used it: loyalty gives the points back.

    Raises :class:`PointsRefused` (422: a sale used it, or it is not the store's) and
    :class:`LoyaltyUnavailable` (503)."""
    body = {"store_id": str(store_id), "purchase_id": None}
    released = await loyalty.release(reservation_id, body, derived_key("release", store_id, key))
    return PointsHoldOut.model_validate(released)


async def deposit(
    session: AsyncSession,
    cipher: PiiCipher,
    loyalty: Loyalty,
    store_id: uuid.UUID,
    data: DepositIn,
    key: str,
) -> DepositOut:
    """Pays ``data.amount_fen`` into the wallet of the member the till names, taken by
    ``store_id``; loyalty gets a key derived from the till's and the store, so the till's
    retry is one deposit.

    Raises ``UnknownMember`` and :class:`DepositRefused` (422) and
    :class:`LoyaltyUnavailable` (503).
    """
    member_id = (await directory.find_members(session, cipher, [data])).member_of(data)
    body = {"store_id": str(store_id), "amount_fen": data.amount_fen}
    made = await loyalty.deposit(member_id, body, derived_key("deposit", store_id, key))
    lot = made["deposit"]
    return DepositOut(
        member_id=member_id,
        deposit_id=lot["deposit_id"],
        principal_fen=lot["principal_fen"],
        bonus_fen=lot["bonus_fen"],
        principal_balance_fen=made["principal_balance_fen"],
        bonus_balance_fen=made["bonus_balance_fen"],
    )


def derived_key(action: str, store_id: uuid.UUID, key: str) -> str:
    """Loyalty scopes keys to its caller, orders: the store's key is made the store's."""
    return f"{action}-" + hashlib.sha256(f"{store_id}:{key}".encode()).hexdigest()[:48]


async def coupon_hold(
    loyalty: Loyalty, store_id: uuid.UUID, named: Sequence[tuple[int, uuid.UUID]]
) -> CouponHoldOut:
    """The hold whose coupons a sale names (``named``: each ``(index of the discount,
    reservation)``), as loyalty priced it. They must be the coupons of one hold, every one
    of them, each once: stacked coupons were priced together, each on what the ones
    before it left, so a part of a stack is not what loyalty priced.

    Raises :class:`CouponRefused` (422, naming ``discounts.<i>.coupon_reservation_id``:
    one loyalty does not know, another store's, of another hold or named twice; or
    ``discounts``: a coupon of the hold left out) and :class:`LoyaltyUnavailable` (503).
    """
    first_index, first = named[0]
    field = f"discounts.{first_index}.coupon_reservation_id"
    found = await loyalty.coupon_reservation(first, field=field)
    if found.get("store_id") != str(store_id):
        raise CouponRefused(f"No coupon reservation {first} for this store", field=field)
    hold = CouponHoldOut.model_validate(found)
    of_hold = {coupon.reservation_id for coupon in hold.coupons}
    seen: set[uuid.UUID] = set()
    for index, reservation_id in named:
        if reservation_id not in of_hold or reservation_id in seen:
            why = "is named twice" if reservation_id in seen else f"is not of hold {hold.hold_id}"
            raise CouponRefused(
                f"coupon reservation {reservation_id} {why}: a sale uses the coupons of one "
                "hold, each once",
                field=f"discounts.{index}.coupon_reservation_id",
            )
        seen.add(reservation_id)
    left_out = [coupon for coupon in hold.coupons if coupon.reservation_id not in seen]
    if left_out:
        raise CouponRefused(
            f"hold {hold.hold_id} also holds coupon {left_out[0].code} (reservation "
            f"{left_out[0].reservation_id}): its coupons were priced together, so the sale "
            "names each of them, or the till voids the hold and holds again",
            field="discounts",
        )
    return hold
