"""Events published by the orders service on ``orders.events``. Amounts are in fen."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from shared.events.envelope import EventPayload


class PurchaseLine(EventPayload):
    line_no: int
    sku: str
    category: str
    quantity: int
    unit_price_fen: int
    amount_fen: int


class PurchaseCompleted(EventPayload):
    event_type: ClassVar[str] = "orders.purchase.completed"
    subject_field: ClassVar[str] = "purchase_id"

    purchase_id: uuid.UUID
    member_id: uuid.UUID
    store_id: uuid.UUID
    lines: tuple[PurchaseLine, ...]
    total_fen: int
    purchased_at: datetime


class ReturnedLine(EventPayload):
    line_no: int
    sku: str
    category: str
    quantity: int
    amount_fen: int


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
