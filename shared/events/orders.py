"""Events published by the orders service on ``orders.events``. Amounts are in fen."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

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
