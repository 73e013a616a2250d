"""Request and response bodies of tenders and receipts (收款单). Amounts are integer fen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.orders.tenders.domain import GivenKind, Paid, Refund, Tendered, TenderKind
from shared.events import orders as events
from shared.inputs import TenderFen

RECEIPT_EXAMPLE: dict[str, Any] = {
    "tenders": [
        {"kind": "card", "amount_fen": 30000, "tendered_fen": 30000, "refunded_fen": 0},
        {"kind": "cash", "amount_fen": 15700, "tendered_fen": 20000, "refunded_fen": 0},
    ],
    "total_fen": 45700,
    "tendered_fen": 50000,
    "change_fen": 4300,
    "refunded_fen": 0,
}
TENDERS_EXAMPLE: list[Any] = [
    {"kind": "card", "amount_fen": 30000},
    {"kind": "cash", "amount_fen": 20000},
]


class TenderIn(BaseModel):
    """One way the sale was paid. Only `cash` and `card` are accepted now: `stored_value`,
    `points` and `voucher` are part of the contract but refused with 422
    `tender-not-accepted` until loyalty reserves and commits them (issues 12 and 14)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": TENDERS_EXAMPLE})

    kind: GivenKind
    amount_fen: TenderFen = Field(
        description="What this tender hands over, in fen. Only cash may exceed what is left "
        "to pay (the difference is the change); a voucher or card larger than that is refused"
    )

    def tendered(self) -> Tendered:
        return Tendered(self.kind, self.amount_fen)


class TenderOut(BaseModel):
    kind: TenderKind = Field(
        description="`unspecified` is the whole total of a sale posted without tenders"
    )
    amount_fen: int = Field(description="What this tender paid towards the total")
    tendered_fen: int = Field(description="What was handed over (cash: amount plus change)")
    refunded_fen: int = Field(description="What returns refunded of it so far")


class ReceiptOut(BaseModel):
    """The receipt (收款单): how the sale was paid."""

    model_config = ConfigDict(json_schema_extra={"examples": [RECEIPT_EXAMPLE]})

    tenders: list[TenderOut]
    total_fen: int = Field(description="The sale's total, which the tenders' amounts add up to")
    tendered_fen: int = Field(description="Everything handed over")
    change_fen: int = Field(description="Cash given back: tendered minus total")
    refunded_fen: int = Field(description="What returns refunded so far")


def receipt_out(paid: Sequence[Paid], *, first: bool = False) -> ReceiptOut:
    """The receipt of a sale's tenders as they stand, or as first answered (nothing
    refunded yet)."""
    return ReceiptOut(
        tenders=[
            TenderOut(
                kind=tender.kind,
                amount_fen=tender.amount_fen,
                tendered_fen=tender.tendered_fen,
                refunded_fen=0 if first else tender.refunded_fen,
            )
            for tender in paid
        ],
        total_fen=sum(tender.amount_fen for tender in paid),
        tendered_fen=sum(tender.tendered_fen for tender in paid),
        change_fen=sum(tender.change_fen for tender in paid),
        refunded_fen=0 if first else sum(tender.refunded_fen for tender in paid),
    )


def receipt_event(paid: Sequence[Paid]) -> events.Receipt:
    """The receipt as ``orders.purchase.completed`` carries it."""
    return events.Receipt(
        tenders=tuple(
            events.TenderPaid(
                kind=tender.kind, amount_fen=tender.amount_fen, tendered_fen=tender.tendered_fen
            )
            for tender in paid
        ),
        tendered_fen=sum(tender.tendered_fen for tender in paid),
        change_fen=sum(tender.change_fen for tender in paid),
    )


class RefundOut(BaseModel):
    kind: TenderKind
    amount_fen: int = Field(description="What this return (or void) refunds of the tender")
    paid_out: bool = Field(
        description="Whether the till hands it back: false for a voucher, which is never "
        "refunded as money"
    )


def refunds_out(refunds: Sequence[Refund]) -> list[RefundOut]:
    return [RefundOut(kind=r.kind, amount_fen=r.amount_fen, paid_out=r.paid_out) for r in refunds]


def refund_events(refunds: Sequence[Refund]) -> tuple[events.TenderRefund, ...]:
    return tuple(
        events.TenderRefund(kind=r.kind, amount_fen=r.amount_fen, paid_out=r.paid_out)
        for r in refunds
    )
