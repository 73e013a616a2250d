"""Request and response bodies of tenders and receipts (收款单). Amounts are integer fen."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.orders.directory.domain import MAX_CARD_NUMBER
from services.orders.tenders.domain import (
    HELD,
    GivenKind,
    Paid,
    Refund,
    Tendered,
    TenderKind,
)
from shared.events import orders as events
from shared.inputs import Code, Phone, Points, TenderFen
from shared.inputs.choice import exactly_one

MAX_SALE_REF = 64
"""As loyalty keeps a reservation's sale reference."""

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
    """One way the sale was paid: `cash`, `card`, or `points` or `stored_value` naming the
    reservation (`POST /reservations`) that holds them, for exactly its amount. `voucher`
    is part of the contract but refused with 422 `tender-not-accepted` until loyalty
    reserves and commits vouchers; a batch takes neither points nor stored value."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": TENDERS_EXAMPLE})

    kind: GivenKind
    amount_fen: TenderFen = Field(
        description="What this tender hands over, in fen. Only cash may exceed what is left "
        "to pay (the difference is the change); a voucher or card larger than that is refused"
    )
    reservation_id: uuid.UUID | None = Field(
        None,
        description="For `points` and `stored_value` (and only for them): the reservation "
        "that holds them",
    )

    @model_validator(mode="after")
    def _reservation_for_held(self) -> Self:
        if (self.kind in HELD) != (self.reservation_id is not None):
            raise ValueError(
                "a points or stored_value tender names its reservation_id, and only they do"
            )
        return self

    def tendered(self) -> Tendered:
        return Tendered(self.kind, self.amount_fen, self.reservation_id)


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
    """The receipt as ``orders.purchase.completed`` carries it: a points or stored-value
    tender names the reservation the sale committed (loyalty confirms that one)."""
    return events.Receipt(
        tenders=tuple(
            events.TenderPaid(
                kind=tender.kind,
                amount_fen=tender.amount_fen,
                tendered_fen=tender.tendered_fen,
                reservation_id=tender.reservation_id,
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


_MEMBER = "0b7e4c1d-2f3a-4b5c-8d9e-1a2b3c4d5e6f"
_RESERVATION = "3a1f0c5e-7b2d-4c8e-9f10-2b3c4d5e6f70"
HOLD_EXAMPLE: dict[str, Any] = {
    "reservation_id": _RESERVATION,
    "member_id": _MEMBER,
    "tender": "points",
    "points": 5000,
    "amount_fen": 5000,
    "points_per_yuan": 100,
    "status": "held",
    "expires_at": "2026-11-23T06:45:00Z",
}


class PointsHoldIn(BaseModel):
    """Points (积分抵现) or stored value (储值, `tender` `stored_value`) to hold for a sale
    in progress. Name the member by exactly one of `member_id`, `card_number` or `phone`;
    ask for `points` or for `amount_fen` (stored value: `amount_fen`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "card_number": "8860000000013",
                    "sale_ref": "R-20261123-0042",
                    "sale_total_fen": 45700,
                    "points": 5000,
                }
            ]
        },
    )

    member_id: uuid.UUID | None = None
    card_number: Annotated[str, Code(MAX_CARD_NUMBER)] | None = None
    phone: Phone | None = None
    sale_ref: Annotated[str, Code(MAX_SALE_REF)] = Field(
        description="The till's reference of the sale in progress, e.g. its receipt number"
    )
    sale_total_fen: TenderFen = Field(description="The sale's total so far, in fen")
    tender: Literal["points", "stored_value"] = Field(
        "points", description="What to hold: the member's points, or their stored value"
    )
    points: Points | None = Field(None, description="Points to spend")
    amount_fen: TenderFen | None = Field(None, description="Fen the points or stored value pay")

    @model_validator(mode="after")
    def _one_member_and_one_ask(self) -> Self:
        given = {"member_id": self.member_id, "card_number": self.card_number, "phone": self.phone}
        exactly_one("name the member by", given)
        if self.tender == "stored_value":
            if self.points is not None or self.amount_fen is None:
                raise ValueError("stored value is held by amount_fen, without points")
        else:
            exactly_one("ask for", {"points": self.points, "amount_fen": self.amount_fen})
        return self


class NoBody(BaseModel):
    """A POST whose path says everything (a hold's release)."""


class PointsHoldOut(BaseModel):
    """What loyalty holds for the sale: pay with it as a tender of its `tender` kind of
    exactly `amount_fen` naming `reservation_id`, before `expires_at`."""

    model_config = ConfigDict(json_schema_extra={"examples": [HOLD_EXAMPLE]})

    reservation_id: uuid.UUID
    member_id: uuid.UUID
    tender: Literal["points", "stored_value"]
    points: int = Field(
        description="Points held (taken from the member's balance); 0 for stored value"
    )
    amount_fen: int = Field(description="What they pay of the sale, in fen")
    points_per_yuan: int = Field(description="The till policy's rate they were priced at")
    status: Literal["held", "committed", "confirmed", "released"]
    expires_at: datetime = Field(description="When loyalty gives them back unless a sale uses them")


class DepositIn(BaseModel):
    """Money a customer pays into their wallet (储值) at this store's till. Name the member
    by exactly one of `member_id`, `card_number` or `phone`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"card_number": "8860000000013", "amount_fen": 50000}]},
    )

    member_id: uuid.UUID | None = None
    card_number: Annotated[str, Code(MAX_CARD_NUMBER)] | None = None
    phone: Phone | None = None
    amount_fen: TenderFen = Field(description="Paid in, in fen (the bonus is loyalty's rule)")

    @model_validator(mode="after")
    def _one_member(self) -> Self:
        given = {"member_id": self.member_id, "card_number": self.card_number, "phone": self.phone}
        exactly_one("name the member by", given)
        return self


class DepositOut(BaseModel):
    """The deposit as loyalty recorded it, and the wallet after it (fen)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "member_id": _MEMBER,
                    "deposit_id": _RESERVATION,
                    "principal_fen": 50000,
                    "bonus_fen": 20000,
                    "principal_balance_fen": 50000,
                    "bonus_balance_fen": 20000,
                }
            ]
        }
    )

    member_id: uuid.UUID
    deposit_id: uuid.UUID
    principal_fen: int = Field(description="Paid in")
    bonus_fen: int = Field(description="Given on top by the deposit-bonus rules")
    principal_balance_fen: int
    bonus_balance_fen: int
