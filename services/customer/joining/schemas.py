"""Request and response bodies of joining: the policy, a registration's qualification and
card fee, and the card fee report. Amounts are integer fen; receipt numbers 1-40 letters,
digits and ``-_/.``; notes and reasons 1-200 characters on one line."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, Self

from annotated_types import Interval, Len
from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from services.customer.joining.domain import Admission, ProofKind, Tender
from services.customer.joining.models import RECEIPT_NO_LENGTH
from shared.inputs import Code, SingleLine

MAX_CARD_FEE_FEN = 100_000
MAX_PURCHASE_FEN = 100_000_000
MAX_NOTE_LENGTH = 200
MAX_REPORT_DAYS = 366

Fen = Annotated[int, Strict(), Interval(ge=1, le=MAX_PURCHASE_FEN)]
ReceiptNo = Annotated[
    str, Code(RECEIPT_NO_LENGTH, pattern=r"^[A-Za-z0-9._/-]+$", charset="letters, digits, -_/.")
]
Note = Annotated[str, SingleLine(MAX_NOTE_LENGTH)]

_POLICY: dict[str, Any] = {
    "admits": ["purchase", "earlier_customer"],
    "min_purchase_fen": 50000,
    "card_fee_fen": 5000,
}


class JoiningPolicyIn(BaseModel):
    """Which qualifications admit a member: ``open`` (anyone; alone), or any of
    ``purchase`` (one receipt at or over ``min_purchase_fen``, required with it) and
    ``earlier_customer``; ``card_fee_fen`` the card fee (卡费), 0: none."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_POLICY]})

    admits: Annotated[list[Admission], Len(min_length=1, max_length=3)]
    min_purchase_fen: Fen | None = Field(None, description="Fen; with `purchase` only")
    card_fee_fen: Annotated[int, Strict(), Interval(ge=0, le=MAX_CARD_FEE_FEN)] = Field(
        0, description="Fen; 0: no card fee"
    )

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if len(set(self.admits)) != len(self.admits):
            raise ValueError("admits: each qualification once")
        if "open" in self.admits and len(self.admits) > 1:
            raise ValueError("admits: open admits anyone, so it stands alone")
        if ("purchase" in self.admits) != (self.min_purchase_fen is not None):
            raise ValueError("min_purchase_fen: given exactly when admits has purchase")
        return self


class JoiningPolicyOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _POLICY | {"version": 2, "updated_at": "2026-11-30T08:00:00Z", "updated_by": "a-1"}
            ]
        }
    )

    admits: list[Admission]
    min_purchase_fen: int | None
    card_fee_fen: int
    version: int = Field(description="How many times it changed (0: never; open, no fee)")
    updated_at: datetime | None
    updated_by: str | None


class PurchaseQualification(BaseModel):
    """One purchase at or over the policy's ``min_purchase_fen`` (一次性购买), by its till
    receipt; a receipt qualifies one member only."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["purchase"]
    receipt_no: ReceiptNo
    amount_fen: Fen


class EarlierCustomerQualification(BaseModel):
    """Proof, seen by staff, of having bought from the brand before."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["earlier_customer"]
    proof: ProofKind
    note: Note | None = Field(None, description="What staff saw; stored encrypted")


Qualification = Annotated[
    PurchaseQualification | EarlierCustomerQualification, Field(discriminator="kind")
]


class CardFeeIn(BaseModel):
    """The card fee settled at registration: paid (``paid_fen`` equal to the policy's
    fee, ``tender``, the till's ``receipt_no``) or ``waived`` with the reason (an event day,
    seed 000)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"paid_fen": 5000, "tender": "wechat", "receipt_no": "R-20261130-0042"},
                {"waived": "event day 2026-12-12"},
            ]
        },
    )

    paid_fen: Annotated[int, Strict(), Interval(ge=1, le=MAX_CARD_FEE_FEN)] | None = None
    tender: Tender | None = None
    receipt_no: ReceiptNo | None = None
    waived: Note | None = Field(None, description="Why the fee is waived")

    @model_validator(mode="after")
    def _paid_or_waived(self) -> Self:
        paid = (self.paid_fen, self.tender, self.receipt_no)
        if self.waived is not None:
            if any(part is not None for part in paid):
                raise ValueError("a waived card fee has no paid_fen, tender or receipt_no")
        elif any(part is None for part in paid):
            raise ValueError("give paid_fen, tender and receipt_no, or waived")
        return self


class QualificationOut(BaseModel):
    """How the member qualified (no note: it is kept encrypted, for audits)."""

    kind: str
    receipt_no: str | None = None
    amount_fen: int | None = None
    proof: str | None = None
    policy_version: int
    attested_by: str
    recorded_at: datetime


class CardFeeDay(BaseModel):
    day: date = Field(description="A day in the brand's business timezone")
    paid: int = Field(description="Card fees paid that day")
    paid_fen: int
    waived: int = Field(description="Card fees waived that day")


class CardFeeReport(BaseModel):
    """Card fees per day from ``from`` to ``to`` (inclusive, business timezone); days
    without any are left out."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "timezone": "Asia/Shanghai",
                    "days": [{"day": "2026-11-30", "paid": 3, "paid_fen": 15000, "waived": 1}],
                    "paid": 3,
                    "paid_fen": 15000,
                    "waived": 1,
                }
            ]
        }
    )

    timezone: str
    days: list[CardFeeDay]
    paid: int
    paid_fen: int
    waived: int
