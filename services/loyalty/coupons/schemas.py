"""Bodies of the coupon definitions API. Money is in fen; times are instants (answered in
UTC); a validity in days counts days of the brand's timezone.

Bounds: scope lists at most ``MAX_SCOPE`` entries each; ``valid_days`` at most
``MAX_VALID_DAYS``; ``per_member_limit`` at most ``MAX_PER_MEMBER``; amounts at most a
sale's total (``MAX_SALE_TOTAL_FEN``), a budget at most what a ``bigint`` holds safely in
JSON, so ``issued × face value`` can never overflow before the budget CHECK refuses it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from annotated_types import Interval, Len
from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from services.loyalty.coupons.kinds import KindName
from services.loyalty.coupons.models import (
    DEFAULT_NOTICE_DAYS,
    MAX_GRANT_KEY,
    MAX_NAME,
    MAX_NOTICE_DAYS,
)
from shared.inputs import (
    JSON_SAFE_INTEGER,
    MAX_LINES,
    Code,
    LineNo,
    PlanTime,
    Quantity,
    SingleLine,
    TenderFen,
    UnitPriceFen,
)
from shared.product_categories import MAX_CODE

MAX_SCOPE = 200
MAX_VALID_DAYS = 3_660
MAX_PER_MEMBER = 1_000
MAX_BUDGET_FEN = JSON_SAFE_INTEGER
MAX_DEFINITIONS_SHOWN = 200

SkuCode = Annotated[str, Code(MAX_CODE)]
CategoryCode = Annotated[str, Code(MAX_CODE)]
Percent = Annotated[int, Strict(), Interval(ge=1, le=100)]
ValidDays = Annotated[int, Strict(), Interval(ge=1, le=MAX_VALID_DAYS)]
PerMember = Annotated[int, Strict(), Interval(ge=1, le=MAX_PER_MEMBER)]
BudgetFen = Annotated[int, Strict(), Interval(ge=1, le=MAX_BUDGET_FEN)]
NoticeDays = Annotated[int, Strict(), Interval(ge=1, le=MAX_NOTICE_DAYS)]


class ThresholdOffIn(BaseModel):
    """满减: eligible spend of at least ``threshold_fen`` takes ``off_fen`` off."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal[KindName.THRESHOLD_OFF]
    threshold_fen: TenderFen
    off_fen: TenderFen = Field(description="At most the threshold")

    @model_validator(mode="after")
    def _within_threshold(self) -> Self:
        if self.off_fen > self.threshold_fen:
            raise ValueError("terms.off_fen must not exceed terms.threshold_fen")
        return self

    @property
    def face_value_fen(self) -> int:
        return self.off_fen


class PercentOffIn(BaseModel):
    """``percent`` off the eligible spend, rounded down to the fen, at most ``cap_fen``."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal[KindName.PERCENT_OFF]
    percent: Percent
    cap_fen: TenderFen

    @property
    def face_value_fen(self) -> int:
        return self.cap_fen


class CashVoucherIn(BaseModel):
    """代金券 of ``value_fen``: at most the eligible spend, no change, never cash."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal[KindName.CASH_VOUCHER]
    value_fen: TenderFen

    @property
    def face_value_fen(self) -> int:
        return self.value_fen


class FreeGiftIn(BaseModel):
    """One unit of ``sku`` free: its line is discounted by ``unit_value_fen`` at most."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal[KindName.FREE_GIFT]
    sku: SkuCode
    unit_value_fen: TenderFen

    @property
    def face_value_fen(self) -> int:
        return self.unit_value_fen


Terms = Annotated[
    ThresholdOffIn | PercentOffIn | CashVoucherIn | FreeGiftIn, Field(discriminator="kind")
]


class ScopeIn(BaseModel):
    """Where a coupon applies; an empty list does not restrict. A category applies to its
    descendants (a line's category or any ancestor of it)."""

    model_config = ConfigDict(extra="forbid")
    stores: Annotated[list[uuid.UUID], Len(0, MAX_SCOPE)] = Field(default_factory=list)
    categories: Annotated[list[CategoryCode], Len(0, MAX_SCOPE)] = Field(default_factory=list)
    skus: Annotated[list[SkuCode], Len(0, MAX_SCOPE)] = Field(default_factory=list)


DEFINITION_EXAMPLE: dict[str, Any] = {
    "name": "满200减30 周年庆",
    "terms": {"kind": "threshold_off", "threshold_fen": 20_000, "off_fen": 3_000},
    "scope": {"stores": [], "categories": ["health"], "skus": []},
    "valid_days": 30,
    "per_member_limit": 1,
    "quantity": 10_000,
    "stackable": False,
    "restore_on_return": "when_below_threshold",
    "expiring_notice_days": 3,
}

RestorePolicy = Literal["never", "when_below_threshold", "on_full_return"]
CouponStatus = Literal["active", "reserved", "redeemed", "expired", "withdrawn"]


class DefinitionIn(BaseModel):
    """A coupon definition. Validity: either ``valid_from`` and ``valid_until`` (a fixed
    window, until exclusive) or ``valid_days`` (days of the brand's timezone counting the
    day of the grant as the first). A ``quantity`` (coupons) and/or a ``budget_fen`` (the
    most all coupons issued could take off, each counted at its face value) bound the
    grants; neither: unbounded."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [DEFINITION_EXAMPLE]})

    name: Annotated[str, SingleLine(MAX_NAME)]
    terms: Terms
    scope: ScopeIn = Field(default_factory=ScopeIn)
    valid_from: PlanTime | None = None
    valid_until: PlanTime | None = None
    valid_days: ValidDays | None = None
    per_member_limit: PerMember = Field(1, description="Coupons of it one member may hold")
    quantity: Quantity | None = Field(None, description="Most coupons ever issued")
    budget_fen: BudgetFen | None = Field(None, description="Most issued × face value, fen")
    stackable: bool = Field(
        False, description="Usable with other stackable coupons, at most one of each kind"
    )
    restore_on_return: RestorePolicy = Field(
        "when_below_threshold",
        description="Whether a return gives a redeemed coupon back: `never`; "
        "`when_below_threshold` (what the sale keeps no longer earns the coupon's "
        "discount: below its threshold, or no line in scope left); `on_full_return` (only "
        "once every line of the sale is back, or it is voided)",
    )
    expiring_notice_days: NoticeDays = Field(
        DEFAULT_NOTICE_DAYS,
        description="Days before a coupon's validity ends that its holder is told "
        "(`loyalty.coupon.expiring`, once per coupon, by the daily job of the brand's day)",
    )

    @model_validator(mode="after")
    def _one_validity(self) -> Self:
        window = (self.valid_from, self.valid_until)
        if self.valid_days is not None:
            if window != (None, None):
                raise ValueError("give valid_days or valid_from and valid_until, not both")
        elif None in window:
            raise ValueError("give valid_days, or both valid_from and valid_until")
        elif self.valid_until <= self.valid_from:  # type: ignore[operator]
            raise ValueError("valid_until must be later than valid_from")
        if self.budget_fen is not None and self.budget_fen < self.terms.face_value_fen:
            raise ValueError("budget_fen is below one coupon's face value")
        return self


class DefinitionOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **DEFINITION_EXAMPLE,
                    "id": "3f6c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c",
                    "kind": "threshold_off",
                    "valid_from": None,
                    "valid_until": None,
                    "budget_fen": None,
                    "face_value_fen": 3_000,
                    "issued": 0,
                    "created_at": "2026-11-30T09:00:00Z",
                    "created_by": "marketing-li",
                }
            ]
        }
    )

    id: uuid.UUID
    name: str
    kind: KindName
    terms: dict[str, Any]
    scope: ScopeIn
    valid_from: datetime | None
    valid_until: datetime | None
    valid_days: int | None
    per_member_limit: int
    quantity: int | None
    budget_fen: int | None
    face_value_fen: int = Field(description="The most one coupon takes off, fen")
    issued: int = Field(description="Coupons granted so far")
    stackable: bool
    restore_on_return: RestorePolicy
    expiring_notice_days: int
    created_at: datetime
    created_by: str


NEXT_PAGE = "Pass as `cursor` to read the next page; null on the last page"


class DefinitionList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [DefinitionOut.model_json_schema()["examples"][0]],
                    "next_cursor": "MjAyNi0xMS0zMFQwOTowMDowMCswMDowMHwzZjZjMWIyYS04ZDRlLTRm"
                    "NWEtOWI2Yy03ZDhlOWYwYTFiMmM=",
                }
            ]
        }
    )

    items: list[DefinitionOut] = Field(description="Newest first")
    next_cursor: str | None = Field(None, description=NEXT_PAGE)


GrantKey = Annotated[
    str,
    Code(
        MAX_GRANT_KEY,
        pattern=r"^[A-Za-z0-9._:-]+$",
        charset="letters, digits and . _ : -",
    ),
]


class GrantIn(BaseModel):
    """A coupon of ``definition_id`` for the member. ``grant_key`` names the occasion
    (``birthday-2026``, ``ticket-4711``): granting again with the same key is the same
    coupon, never a second one."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"definition_id": "3f6c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c", "grant_key": "vip-1130"}
            ]
        },
    )

    definition_id: uuid.UUID
    grant_key: GrantKey


COUPON_EXAMPLE: dict[str, Any] = {
    "id": "8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
    "code": "7K2M-QX9D-4HTR-D",
    "definition_id": "3f6c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c",
    "name": "满200减30 周年庆",
    "kind": "threshold_off",
    "terms": {"threshold_fen": 20_000, "off_fen": 3_000},
    "status": "active",
    "valid_from": "2026-11-30T09:00:00Z",
    "valid_until": "2026-12-29T16:00:00Z",
    "granted_at": "2026-11-30T09:00:00Z",
    "campaign_id": None,
}


class CouponOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [COUPON_EXAMPLE]})

    id: uuid.UUID
    code: str = Field(
        description="In groups of four; shown whole to the member, masked "
        "(`****-****-4HTR-D`) to staff"
    )
    definition_id: uuid.UUID
    name: str
    kind: KindName
    terms: dict[str, Any]
    status: CouponStatus = Field(
        description="`reserved` while a till holds it for a sale, `redeemed` once a recorded "
        "sale used it; an active one reads `expired` once `valid_until` has passed, even "
        "before the daily job; `withdrawn` when a campaign gave it for a purchase a return "
        "took below the giveaway's threshold before it was used"
    )
    valid_from: datetime
    valid_until: datetime = Field(description="Exclusive")
    granted_at: datetime
    campaign_id: uuid.UUID | None = Field(
        None, description="The campaign whose giveaway granted it; null for any other grant"
    )


class CouponList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [COUPON_EXAMPLE],
                    "next_cursor": "MjAyNi0xMS0zMFQwOTowMDowMCswMDowMHw4YzFkMmUzZi00YTViLTRj"
                    "NmQtOGU3Zi05YTBiMWMyZDNlNGY=",
                }
            ]
        }
    )

    items: list[CouponOut] = Field(
        description="The account's coupons (a household's are shared), the latest first"
    )
    next_cursor: str | None = Field(None, description=NEXT_PAGE)


class BasketLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_no: LineNo
    sku: SkuCode
    category: CategoryCode
    amount_fen: UnitPriceFen = Field(description="The line's amount after the till's own discounts")


VALIDATE_EXAMPLE: dict[str, Any] = {
    "member_id": "0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11",
    "store_id": "6f1d2c3b-4a59-4e8d-9c7b-1a2b3c4d5e6f",
    "lines": [
        {"line_no": 1, "sku": "HP-FISHOIL-60", "category": "health-fishoil", "amount_fen": 25_800},
        {"line_no": 2, "sku": "SK-CREAM-50", "category": "skincare", "amount_fen": 12_345},
    ],
}


class ValidateIn(BaseModel):
    """A basket to price with the member's coupons, each on its own."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [VALIDATE_EXAMPLE]})

    member_id: uuid.UUID
    store_id: uuid.UUID
    lines: Annotated[list[BasketLineIn], Len(1, MAX_LINES)]

    @model_validator(mode="after")
    def _unique_lines(self) -> Self:
        numbers = [line.line_no for line in self.lines]
        if len(set(numbers)) != len(numbers):
            raise ValueError("lines: line_no must be unique")
        return self
