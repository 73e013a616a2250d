"""Bodies of the till policy and of reservations. Points are integers, money integer fen,
times UTC."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Self

from annotated_types import Interval
from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from services.loyalty.reservations.domain import ReleaseReason, Status, Tender
from services.loyalty.reservations.models import MAX_SALE_REF
from shared.attempts import AttemptId
from shared.inputs import Code, Points, TenderFen
from shared.inputs.choice import exactly_one

MAX_TILL_POINTS_PER_YUAN = 10_000
MAX_HOLD_MINUTES = 24 * 60
MAX_COMMIT_GRACE_MINUTES = 7 * 24 * 60

SaleRef = Annotated[str, Code(MAX_SALE_REF)]

POLICY_EXAMPLE: dict[str, Any] = {
    "points_per_yuan": 100,
    "max_share_percent": 50,
    "hold_minutes": 15,
    "commit_grace_minutes": 1440,
}
_MEMBER = "0b7e4c1d-2f3a-4b5c-8d9e-1a2b3c4d5e6f"
_STORE = "6f1c2b9e-8d4a-4f5e-9a51-3c2d7e8f9a10"
_PURCHASE = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
_ATTEMPT = "5b0f3a3e-9c1d-4e2f-8a7b-6c5d4e3f2a1b"
RESERVE_EXAMPLE: dict[str, Any] = {
    "member_id": _MEMBER,
    "store_id": _STORE,
    "sale_ref": "R-20261123-0042",
    "sale_total_fen": 45700,
    "points": 5000,
}
RESERVATION_EXAMPLE: dict[str, Any] = {
    "reservation_id": "3a1f0c5e-7b2d-4c8e-9f10-2b3c4d5e6f70",
    "member_id": _MEMBER,
    "account_id": "5c4b3a29-1807-4f6e-8d5c-4b3a2f1e0d9c",
    "store_id": _STORE,
    "sale_ref": "R-20261123-0042",
    "tender": "points",
    "points": 5000,
    "amount_fen": 5000,
    "points_per_yuan": 100,
    "status": "held",
    "purchase_id": None,
    "expires_at": "2026-11-23T06:45:00Z",
    "refunded_points": 0,
    "refunded_fen": 0,
    "release_reason": None,
    "created_at": "2026-11-23T06:30:00Z",
}


class TillPolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [POLICY_EXAMPLE]})

    points_per_yuan: Annotated[int, Strict(), Interval(ge=1, le=MAX_TILL_POINTS_PER_YUAN)] = Field(
        description="Points that pay one yuan (100 fen) at the till, e.g. 100"
    )
    max_share_percent: Annotated[int, Strict(), Interval(ge=0, le=100)] = Field(
        description="The most of a sale points may pay, in percent (0 takes no points)"
    )
    hold_minutes: Annotated[int, Strict(), Interval(ge=1, le=MAX_HOLD_MINUTES)] = Field(
        description="How long points stay held for a sale before the sweep gives them back"
    )
    commit_grace_minutes: Annotated[int, Strict(), Interval(ge=1, le=MAX_COMMIT_GRACE_MINUTES)] = (
        Field(
            description="How long a sale that named a reservation has for its event to arrive "
            "before the sweep takes the sale as failed and gives the points back"
        )
    )


class TillPolicyOut(TillPolicyIn):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{**POLICY_EXAMPLE, "updated_at": "2026-11-01T08:00:00Z"}]}
    )

    updated_at: datetime


class ReservationIn(BaseModel):
    """Points to hold for a sale in progress (ask for `points` or for `amount_fen`), or
    stored value (`tender` `stored_value`, by `amount_fen`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [RESERVE_EXAMPLE]})

    member_id: uuid.UUID
    store_id: uuid.UUID = Field(description="The store whose till asks (orders vouches for it)")
    sale_ref: SaleRef = Field(description="The till's reference of the sale, e.g. its receipt")
    sale_total_fen: TenderFen = Field(description="The sale's total so far, in fen")
    tender: Tender = Field("points", description="What pays: points, or stored value (储值)")
    points: Points | None = Field(None, description="Points to spend")
    amount_fen: TenderFen | None = Field(None, description="Fen the points should pay")

    @model_validator(mode="after")
    def _points_or_amount(self) -> Self:
        if self.tender == "stored_value":
            if self.points is not None or self.amount_fen is None:
                raise ValueError("stored value is held by amount_fen, without points")
        else:
            exactly_one("ask for", {"points": self.points, "amount_fen": self.amount_fen})
        return self


class CommitIn(BaseModel):
    """The sale that pays with the reservation's points, as orders is about to record it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "store_id": _STORE,
                    "member_id": _MEMBER,
                    "purchase_id": _PURCHASE,
                    "amount_fen": 5000,
                    "sale_total_fen": 45700,
                    "attempt_id": _ATTEMPT,
                    "tender": "points",
                }
            ]
        },
    )

    store_id: uuid.UUID
    member_id: uuid.UUID
    purchase_id: uuid.UUID
    amount_fen: TenderFen = Field(description="The points tender's amount: the reserved one")
    sale_total_fen: TenderFen = Field(description="The sale's total")
    attempt_id: AttemptId = None
    tender: Tender | None = Field(
        None,
        description=(
            "The kind of tender the sale pays with it: a reservation of another kind is "
            "refused (422 `reservation-mismatch`). Omitted: no check"
        ),
    )


class ReleaseIn(BaseModel):
    """Give a reservation's points back: a till's void of it (no `purchase_id`), or orders
    undoing a sale that failed after committing it (the sale's `purchase_id`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"store_id": _STORE, "purchase_id": None},
                {"store_id": _STORE, "purchase_id": _PURCHASE, "attempt_id": _ATTEMPT},
            ]
        },
    )

    store_id: uuid.UUID
    purchase_id: uuid.UUID | None = None
    attempt_id: AttemptId = None


class HeldOut(BaseModel):
    """Points a till holds for a sale in progress: off the balance until the sale commits
    them or they come back (a void, or the sweep once ``expires_at`` has passed)."""

    reservation_id: uuid.UUID
    store_id: uuid.UUID
    points: int
    expires_at: datetime


class ReservationOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [RESERVATION_EXAMPLE]}
    )

    reservation_id: uuid.UUID
    member_id: uuid.UUID
    account_id: uuid.UUID
    store_id: uuid.UUID
    sale_ref: str
    tender: Tender = Field(description="What it holds: points, or stored value")
    points: int = Field(description="Points held (taken from the balance); 0 for stored value")
    amount_fen: int = Field(description="What they pay of the sale, in fen")
    points_per_yuan: int = Field(description="The rate they were priced at")
    status: Status
    purchase_id: uuid.UUID | None
    expires_at: datetime = Field(
        description="When the sweep gives the points back unless the sale uses them"
    )
    refunded_points: int = Field(description="Points returns and voids gave back")
    refunded_fen: int
    release_reason: ReleaseReason | None
    created_at: datetime
