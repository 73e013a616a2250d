"""Pure rules of sales: bounds, totals, and when a repeated receipt number is a retry."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from services.orders.discounts.domain import paid_for_units, refund_fen
from services.orders.purchases.errors import ReceiptReused
from services.orders.tenders.domain import Paid
from shared.idempotency import RequestIdentity

MAX_RECEIPT_NO = 64
MAX_SKU = 64
MAX_CATEGORY = 64
MAX_VOID_REASON = 200
"""Longest receipt number, SKU, category and void reason, in characters (the columns'
lengths)."""
SALES_BY_RECEIPT = uuid.UUID("913431ca-4e40-43b2-8748-c848024068de")
"""The UUIDv5 namespace of the ids of sales named by a store's receipt number (fixed: a
changed namespace would give a retry across the upgrade another id)."""


def purchase_id(store_id: uuid.UUID, receipt_no: str | None) -> uuid.UUID:
    """The id of a new sale of the store: a UUIDv5 of the store and the receipt number, if
    the sale has one, so that every attempt of it gets the id of the first (a store's
    receipt number names one purchase for ever); a random UUIDv4 otherwise.

    A retry after orders died between loyalty committing the sale's points reservation to
    this id and the sale's own commit must name the same sale, or loyalty refuses it. The
    two kinds never meet: a UUIDv5 and a UUIDv4 differ in their version bits.
    """
    if receipt_no is None:
        return uuid.uuid4()
    return uuid.uuid5(SALES_BY_RECEIPT, f"{store_id}/{receipt_no}")


@dataclass(frozen=True)
class PricedLine:
    quantity: int
    unit_price_fen: int

    @property
    def amount_fen(self) -> int:
        return self.quantity * self.unit_price_fen


@dataclass(frozen=True)
class SoldLine:
    """A line of a recorded sale, as far as returns are concerned."""

    line_no: int
    quantity: int
    unit_price_fen: int
    returned_quantity: int
    sku: str
    category: str
    discount_fen: int = 0

    @property
    def returnable(self) -> int:
        return self.quantity - self.returned_quantity

    def refund_fen(self, units: int) -> int:
        """What returning ``units`` more units refunds: what they paid, the line's discount
        shared over its units (:mod:`services.orders.discounts.domain`)."""
        return refund_fen(
            self.quantity, self.unit_price_fen, self.discount_fen, self.returned_quantity, units
        )

    @property
    def refunded_fen(self) -> int:
        """What the returns of the line refunded so far."""
        return paid_for_units(
            self.quantity, self.unit_price_fen, self.discount_fen, self.returned_quantity
        )


@dataclass(frozen=True)
class Sold:
    """A recorded sale, as far as returns and voids are concerned: its lines by number,
    its tenders as they stand, and when it was voided (None if it was not)."""

    purchase_id: uuid.UUID
    member_id: uuid.UUID
    total_fen: int
    purchased_at: datetime
    lines: Mapping[int, SoldLine]
    tenders: tuple[Paid, ...]
    voided_at: datetime | None

    @property
    def returned_fen(self) -> int:
        """What its returns refunded: what the returned units paid."""
        return sum(line.refunded_fen for line in self.lines.values())


@dataclass(frozen=True)
class ReceiptHolder:
    """The purchase that holds a store's receipt number, and the fingerprint of its sale
    as posted (``None`` for a sale recorded before fingerprints were kept)."""

    purchase_id: uuid.UUID
    request_hash: str | None


def check_repeat(receipt_no: str, holder: ReceiptHolder, request: RequestIdentity) -> None:
    """Passes if the sale identified by ``request`` repeats the one holding ``receipt_no``.

    A repeat is the same sale body as sent, without its idempotency key, as an
    ``Idempotency-Key`` identifies a request (``shared.idempotency.identity``): same member
    reference, lines, time (or none) and receipt number, written the same way. Raises
    :class:`ReceiptReused` (409) otherwise, also when the holder's fingerprint is unknown
    (it was recorded before receipts were unique and its key has expired): without it the
    two cannot be told apart, and counting a sale twice is the fault this rule closes.
    """
    if holder.request_hash is None or not request.matches(holder.request_hash):
        raise ReceiptReused(
            f"receipt_no {receipt_no!r} was already used by this store for purchase "
            f"{holder.purchase_id} with different content. A retry must send the same sale; "
            "a new sale needs a new receipt number.",
            field="receipt_no",
        )
