"""Use cases of sales: record one, read one, list a store's. They flush, never commit."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.orders.base import emit
from services.orders.catalog import service as catalog
from services.orders.directory import service as directory
from services.orders.directory.domain import KnownMembers
from services.orders.discounts import domain as discounts
from services.orders.discounts.domain import HeldCoupon
from services.orders.discounts.schemas import DiscountOut
from services.orders.purchases import domain, repository
from services.orders.purchases.errors import PurchaseNotFound
from services.orders.purchases.models import Purchase, PurchaseLine
from services.orders.purchases.repository import SaleRows
from services.orders.purchases.schemas import (
    PurchaseCreate,
    PurchaseLineOut,
    PurchaseOut,
    PurchasePage,
)
from services.orders.tenders import domain as tenders
from services.orders.tenders.domain import Paid
from services.orders.tenders.loyalty import Loyalty
from services.orders.tenders.schemas import receipt_event, receipt_out
from services.orders.tenders.service import coupon_hold, coupons_used, held_tenders_paid
from shared.crypto import PiiCipher
from shared.db import AsyncSession
from shared.events import CloudEvent
from shared.events import orders as events
from shared.idempotency import Outcome, Replayed, RequestIdentity, identify
from shared.pagination import PageKey, encode_cursor


async def record_purchase(
    session: AsyncSession,
    cipher: PiiCipher,
    store_id: uuid.UUID,
    data: PurchaseCreate,
    *,
    sent: Any,
    now: datetime | None = None,
    loyalty: Loyalty | None = None,
) -> Outcome:
    """The new sale, or ``Replayed`` with the first answer if its receipt number was
    recorded before with the same content; ``sent`` is the body as sent (parsed JSON).
    With ``loyalty``, points and stored-value tenders are taken: their reservations are
    committed there before the sale is
    (:func:`services.orders.tenders.service.held_tenders_paid`); so are the held
    coupons its discounts name, after the sale's lines took their shares as loyalty priced them
    (:func:`services.orders.tenders.service.coupons_used`).

    Raises ``UnknownMember``, ``UnknownSku``, ``VoidSku``, ``InvalidDiscount``,
    ``DiscountExceedsLines``, ``TenderNotAccepted``, ``TendersDoNotAddUp``,
    ``PointsRefused``, ``CouponRefused`` (422), ``ReceiptReused`` (409) and
    ``LoyaltyUnavailable`` (503).
    """
    members = await directory.find_members(session, cipher, [data])
    request = None if data.receipt_no is None else identify(sent, data)
    data = (await catalog.find_products(session, [data])).categorised(data)
    accepted = tenders.ACCEPTED if loyalty is None else tenders.AT_THE_TILL
    held = await _held_coupons(loyalty, store_id, data)
    sale = new_sale(store_id, data, members, now or datetime.now(UTC), request, accepted, held)
    if await repository.insert_purchases(session, [sale.rows], [sale.event]):
        if loyalty is None:
            return sale.out
        sold = [
            {k: line[k] for k in ("line_no", "sku", "quantity")}
            | {"amount_fen": line["quantity"] * line["unit_price_fen"]}
            for line in sale.rows[1]
        ]
        used = {
            reservation_id: index
            for index, discount in enumerate(data.discounts or ())
            if (reservation_id := discount.coupon_reservation_id) is not None
        }
        attempt = uuid.uuid4()
        async with (
            coupons_used(
                loyalty,
                store_id=store_id,
                member_id=sale.out.member_id,
                purchase_id=sale.out.id,
                attempt=attempt,
                lines=sold,
                held=used,
            ),
            held_tenders_paid(
                loyalty,
                store_id=store_id,
                member_id=sale.out.member_id,
                purchase_id=sale.out.id,
                attempt=attempt,
                total_fen=sale.out.total_fen,
                tenders=sale.paid,
            ),
        ):
            pass  # the sale and its event are written: loyalty's commits undo on a refusal
        return sale.out
    # only a receipt number held by another purchase keeps a sale out
    assert data.receipt_no is not None
    assert request is not None
    holders = await repository.receipt_holders(session, store_id, [data.receipt_no])
    holder = holders[data.receipt_no]
    domain.check_repeat(data.receipt_no, holder, request)
    return Replayed((await first_answers(session, [holder.purchase_id]))[holder.purchase_id])


async def _held_coupons(
    loyalty: Loyalty | None, store_id: uuid.UUID, data: PurchaseCreate
) -> dict[uuid.UUID, HeldCoupon]:
    """The coupons the sale names as held, by reservation, as loyalty priced them: the
    coupons of one hold (:func:`coupon_hold`). A batch's sale (no ``loyalty``) has none.

    Raises :class:`CouponRefused` (422) and :class:`LoyaltyUnavailable` (503).
    """
    named = [
        (index, discount.coupon_reservation_id)
        for index, discount in enumerate(data.discounts or ())
        if discount.coupon_reservation_id is not None
    ]
    if loyalty is None or not named:
        return {}  # a held coupon is then refused by the discount's rules
    hold = await coupon_hold(loyalty, store_id, named)
    return {
        coupon.reservation_id: HeldCoupon(
            reservation_id=coupon.reservation_id,
            code=coupon.code,
            amount_fen=coupon.discount_fen,
            shares=tuple((line.line_no, line.discount_fen) for line in coupon.lines),
        )
        for coupon in hold.coupons
    }


async def first_answers(
    session: AsyncSession, purchase_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, PurchaseOut]:
    """Purchases as they were first answered, by id: two queries however many."""
    if not purchase_ids:
        return {}
    purchases = await repository.purchases_by_id(session, purchase_ids)
    by_purchase = _lines_by_purchase(await repository.lines_of(session, list(purchase_ids)))
    return {p.id: purchase_out(p, by_purchase.get(p.id, []), first=True) for p in purchases}


def _lines_by_purchase(lines: Sequence[PurchaseLine]) -> dict[uuid.UUID, list[PurchaseLine]]:
    by_purchase: dict[uuid.UUID, list[PurchaseLine]] = {}
    for line in lines:
        by_purchase.setdefault(line.purchase_id, []).append(line)
    return by_purchase


@dataclass(frozen=True)
class NewSale:
    """The rows, the event and the answer of one new sale by a known member."""

    rows: SaleRows
    event: CloudEvent
    out: PurchaseOut
    paid: tuple[Paid, ...]


def new_sale(
    store_id: uuid.UUID,
    data: PurchaseCreate,
    members: KnownMembers,
    now: datetime,
    request: RequestIdentity | None,
    accepted: frozenset[str] = tenders.ACCEPTED,
    held: Mapping[uuid.UUID, HeldCoupon] | None = None,
) -> NewSale:
    """The sale ``data`` describes, for the member it names among ``members``;
    ``request`` identifies it as sent, kept with its receipt number; ``accepted`` are
    the tender kinds it may have; ``held`` the coupons held for it at loyalty, by
    reservation (a batch's sales have none). Its id is named by its receipt number, if it has one
    (:func:`domain.purchase_id`): every attempt of the sale gets the same.

    Its discounts are shared over its lines (:mod:`services.orders.discounts.domain`); its
    total, which the tenders pay, is what the lines pay after them. Its event names the
    held coupons it uses (``coupon_reservations``, those its discounts name, which
    :func:`record_purchase` commits): loyalty redeems those and no other coupon an earlier,
    failed attempt under the same receipt number may have left committed to the id.

    Raises ``UnknownMember``, ``InvalidDiscount``, ``DiscountExceedsLines``,
    ``TenderNotAccepted`` and ``TendersDoNotAddUp`` (422).
    """
    member_id = members.member_of(data)
    purchased_at = data.purchased_at or now
    purchase_id = domain.purchase_id(store_id, data.receipt_no)
    priced = [domain.PricedLine(line.quantity, line.unit_price_fen) for line in data.lines]
    off, applied = discounts.apply(
        [price.amount_fen for price in priced],
        [discount.discount(i, held or {}) for i, discount in enumerate(data.discounts or ())],
    )
    lines = [
        events.PurchaseLine(
            line_no=line_no,
            sku=line.sku,
            category=line.category,
            quantity=line.quantity,
            unit_price_fen=line.unit_price_fen,
            amount_fen=price.amount_fen - discount,
            discount_fen=discount,
        )
        for line_no, (line, price, discount) in enumerate(
            zip(data.lines, priced, off, strict=True), start=1
        )
    ]
    total = sum(line.amount_fen for line in lines)
    given = None if data.tenders is None else [tender.tendered() for tender in data.tenders]
    paid = tenders.settle(total, given, accepted)
    receipt = receipt_out(paid, first=True)
    purchase = {
        "id": purchase_id,
        "store_id": store_id,
        "member_id": member_id,
        "total_fen": total,
        "purchased_at": purchased_at,
        "receipt_no": data.receipt_no,
        "request_hash": None if data.receipt_no is None or request is None else request.hash,
        "created_at": now,
        "tenders": tenders.to_json(paid),
        "discounts": [discount.to_json() for discount in applied] or None,
    }
    completed = events.PurchaseCompleted(
        purchase_id=purchase_id,
        member_id=member_id,
        store_id=store_id,
        lines=tuple(lines),
        total_fen=total,
        purchased_at=purchased_at,
        receipt=receipt_event(paid),
        coupon_reservations=tuple(
            discount.reservation_id for discount in applied if discount.reservation_id is not None
        ),
    )
    out = PurchaseOut(
        id=purchase_id,
        member_id=member_id,
        store_id=store_id,
        total_fen=total,
        purchased_at=purchased_at,
        receipt_no=data.receipt_no,
        lines=[PurchaseLineOut(**line.model_dump(), returned_quantity=0) for line in lines],
        discounts=[DiscountOut.model_validate(discount.to_json()) for discount in applied],
        receipt=receipt,
    )
    return NewSale(
        rows=(purchase, [line.model_dump() for line in lines]),
        event=emit.envelope(completed),
        out=out,
        paid=paid,
    )


async def get_purchase(
    session: AsyncSession, store_id: uuid.UUID, purchase_id: uuid.UUID
) -> PurchaseOut:
    """One of the store's purchases as it stands; raises ``PurchaseNotFound`` (404)."""
    purchase = await repository.purchase_of_store(session, store_id, purchase_id)
    if purchase is None:
        raise PurchaseNotFound(f"No purchase {purchase_id} at this store")
    return purchase_out(purchase, await repository.lines_of(session, [purchase_id]))


async def list_purchases(
    session: AsyncSession, store_id: uuid.UUID, limit: int, after: PageKey | None
) -> PurchasePage:
    """The store's purchases, newest first, ``limit`` at a time after the page key."""
    before = None if after is None else (after.at, after.id)
    purchases = await repository.recent_purchases(session, store_id, limit + 1, before)
    more = len(purchases) > limit
    purchases = purchases[:limit]
    by_purchase = _lines_by_purchase(await repository.lines_of(session, [p.id for p in purchases]))
    items = [purchase_out(p, by_purchase.get(p.id, [])) for p in purchases]
    next_cursor = encode_cursor(purchases[-1].purchased_at, purchases[-1].id) if more else None
    return PurchasePage(items=items, next_cursor=next_cursor)


async def purchases_of_member(session: AsyncSession, member_id: uuid.UUID) -> list[PurchaseOut]:
    """Every purchase of the member, newest first, with its lines (quantities returned
    included): their part of an export."""
    purchases = await repository.of_member(session, member_id)
    by_purchase = _lines_by_purchase(await repository.lines_of(session, [p.id for p in purchases]))
    return [purchase_out(p, by_purchase.get(p.id, [])) for p in purchases]


def purchase_out(
    purchase: Purchase, lines: Sequence[PurchaseLine], *, first: bool = False
) -> PurchaseOut:
    """The purchase as answered now, or as first answered (nothing returned or voided)."""
    return PurchaseOut(
        id=purchase.id,
        member_id=purchase.member_id,
        store_id=purchase.store_id,
        total_fen=purchase.total_fen,
        purchased_at=purchase.purchased_at,
        receipt_no=purchase.receipt_no,
        lines=[
            PurchaseLineOut(
                line_no=line.line_no,
                sku=line.sku,
                category=line.category,
                quantity=line.quantity,
                unit_price_fen=line.unit_price_fen,
                amount_fen=line.quantity * line.unit_price_fen - line.discount_fen,
                discount_fen=line.discount_fen,
                returned_quantity=0 if first else line.returned_quantity,
            )
            for line in lines
        ],
        discounts=[DiscountOut.model_validate(row) for row in purchase.discounts or ()],
        receipt=receipt_out(_tenders_of(purchase, lines), first=first),
        voided_at=None if first else purchase.voided_at,
    )


def _tenders_of(purchase: Purchase, lines: Sequence[PurchaseLine]) -> tuple[Paid, ...]:
    """The purchase's tenders as they stand; one unspecified tender for a sale recorded
    before tenders were kept, refunded as far as its lines were returned."""
    if purchase.tenders is not None:
        return tenders.from_json(purchase.tenders)
    returned = sum(
        domain.PricedLine(line.returned_quantity, line.unit_price_fen).amount_fen for line in lines
    )  # such a sale has no discounts
    return tenders.unrecorded(purchase.total_fen, returned)


async def sold_for_return(
    session: AsyncSession, store_id: uuid.UUID, purchase_id: uuid.UUID
) -> domain.Sold:
    """One of the store's purchases with its lines and tenders, locked until the
    transaction ends so that its returns and void happen one at a time; raises
    ``PurchaseNotFound`` (404)."""
    purchase = await repository.purchase_of_store(session, store_id, purchase_id, lock=True)
    if purchase is None:
        raise PurchaseNotFound(f"No purchase {purchase_id} at this store")
    lines = await repository.lines_of(session, [purchase_id])
    return domain.Sold(
        purchase_id=purchase.id,
        member_id=purchase.member_id,
        total_fen=purchase.total_fen,
        purchased_at=purchase.purchased_at,
        tenders=_tenders_of(purchase, lines),
        voided_at=purchase.voided_at,
        lines={
            line.line_no: domain.SoldLine(
                line_no=line.line_no,
                sku=line.sku,
                category=line.category,
                quantity=line.quantity,
                unit_price_fen=line.unit_price_fen,
                returned_quantity=line.returned_quantity,
                discount_fen=line.discount_fen,
            )
            for line in lines
        },
    )


async def add_returned(
    session: AsyncSession,
    sold: domain.Sold,
    quantities: Sequence[tuple[int, int]],
    refunded: Sequence[Paid],
) -> None:
    """Counts ``(line_no, quantity)`` as returned, and ``refunded`` as the tenders after the
    refund, on a purchase locked by :func:`sold_for_return`. (A sale recorded before
    tenders were kept keeps none: its refunds follow its returned lines.)"""
    await repository.add_returned_quantities(session, sold.purchase_id, quantities)
    await repository.refund_tenders(session, sold.purchase_id, tenders.to_json(refunded))


async def mark_voided(
    session: AsyncSession, sold: domain.Sold, at: datetime, reason: str | None
) -> None:
    """Records the void of a purchase locked by :func:`sold_for_return`."""
    await repository.void(session, sold.purchase_id, at, reason)
