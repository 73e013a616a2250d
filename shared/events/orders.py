"""Events published by the orders service on ``orders.events``. Amounts are in fen."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import SerializerFunctionWrapHandler, model_serializer

from shared.events.envelope import EventPayload


class PurchaseLine(EventPayload):
    """A line of a sale. ``amount_fen`` is what it pays, quantity × unit price less
    ``discount_fen``, what the sale's discounts took off it (0 in events published before
    sales had discounts): loyalty earns on it, and the lines add up to the total."""

    line_no: int
    sku: str
    category: str
    quantity: int
    unit_price_fen: int
    amount_fen: int
    discount_fen: int = 0


class TenderPaid(EventPayload):
    """One tender of a sale: ``kind`` is cash, card, stored_value, points, voucher or
    unspecified (a sale posted without tenders); ``amount_fen`` is what it paid towards the
    total, ``tendered_fen`` what was handed over (cash: amount plus change);
    ``reservation_id`` the loyalty reservation of a points or stored-value tender."""

    kind: str
    amount_fen: int
    tendered_fen: int
    reservation_id: uuid.UUID | None = None
    """The till reservation at loyalty a points or stored-value tender paid with: loyalty
    confirms that one and no other reservation committed to the purchase id (an attempt of
    the sale that failed may have left one committed). None for other kinds, and in events
    published before tenders named it: loyalty then confirms the reservation of the
    tender's kind committed to the purchase id."""

    @model_serializer(mode="wrap")
    def _named_only(self, dump: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Leaves ``reservation_id`` out of a tender that names none (cash, card…), so
        their events stay as they were."""
        data: dict[str, Any] = dump(self)
        if data.get("reservation_id") is None:
            data.pop("reservation_id", None)
        return data


class Receipt(EventPayload):
    """How a sale was paid (收款单): its tenders, whose amounts add up to the total."""

    tenders: tuple[TenderPaid, ...]
    tendered_fen: int
    change_fen: int


class TenderRefund(EventPayload):
    """What a return or a void refunds of one tender. ``paid_out`` is false for a voucher:
    the till hands nothing back for it."""

    kind: str
    amount_fen: int
    paid_out: bool


class PurchaseCompleted(EventPayload):
    event_type: ClassVar[str] = "orders.purchase.completed"
    subject_field: ClassVar[str] = "purchase_id"

    purchase_id: uuid.UUID
    member_id: uuid.UUID
    store_id: uuid.UUID
    lines: tuple[PurchaseLine, ...]
    total_fen: int
    purchased_at: datetime
    receipt: Receipt | None = None
    """None in events published before sales kept their tenders."""
    coupon_reservations: tuple[uuid.UUID, ...] | None = None
    """The coupons held at loyalty that the recorded sale used, by their reservation ids
    (empty: none), each once: loyalty redeems these and no other coupon committed to the
    purchase id (an attempt of the sale that failed may have left one committed). None in
    events published before sales named them: loyalty then redeems every coupon committed
    to the purchase id."""


class ReturnedLine(EventPayload):
    """Units of a line that came back. ``amount_fen`` is what they paid, refunded: their
    price less ``discount_fen``, their share of the line's discount (0 in events published
    before sales had discounts)."""

    line_no: int
    sku: str
    category: str
    quantity: int
    amount_fen: int
    discount_fen: int = 0


class PurchaseReturned(EventPayload):
    """Some or all lines of a purchase came back. ``amount_fen`` is what was refunded."""

    event_type: ClassVar[str] = "orders.purchase.returned"
    subject_field: ClassVar[str] = "return_id"

    return_id: uuid.UUID
    purchase_id: uuid.UUID
    member_id: uuid.UUID
    store_id: uuid.UUID
    lines: tuple[ReturnedLine, ...]
    amount_fen: int
    purchase_total_fen: int
    returned_at: datetime
    refunds: tuple[TenderRefund, ...] | None = None
    """What each tender refunds (adding up to ``amount_fen``); None in events published
    before sales kept their tenders."""


class PurchaseVoided(EventPayload):
    """A store voided a sale on its business day: everything it caused is undone, as by a
    full return, and it counts as no sale at all. A sale is voided at most once and only
    while nothing of it was returned, so ``refunds`` gives back every tender in full."""

    event_type: ClassVar[str] = "orders.purchase.voided"
    subject_field: ClassVar[str] = "purchase_id"

    purchase_id: uuid.UUID
    member_id: uuid.UUID
    store_id: uuid.UUID
    total_fen: int
    purchased_at: datetime
    voided_at: datetime
    refunds: tuple[TenderRefund, ...]


class ProductChanged(EventPayload):
    """A catalog product was created or changed (its name, category, list price, status),
    or its category moved in the tree. Carries the whole product as it now is; a consumer
    keeps the highest ``revision`` it saw. Belongs to no member: the Kafka key is the
    subject, the product id."""

    event_type: ClassVar[str] = "orders.product.changed"
    subject_field: ClassVar[str] = "product_id"

    product_id: uuid.UUID
    sku: str
    name: str
    category: str
    """The code of the product's category; sale lines carry the same code."""
    category_ancestors: tuple[str, ...]
    """The codes above ``category``, the top category first (empty for a top category)."""
    list_price_fen: int
    status: Literal["active", "void"]
    revision: int
    changed_at: datetime
