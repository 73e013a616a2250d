"""Request and response bodies of the loyalty API. Money is in fen, points are integers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

TIER_CODE_PATTERN = r"^[a-z0-9_]{1,32}$"

LADDER_EXAMPLE: list[JsonValue] = [
    {"code": "standard", "name": "普通会员", "threshold_fen": 0, "benefits": "生日礼物"},
    {"code": "vip", "name": "VIP贵宾", "threshold_fen": 100_000, "benefits": "95折"},
    {"code": "star", "name": "VIP健康之星", "threshold_fen": 500_000, "benefits": "9折, 优先服务"},
    {"code": "angel", "name": "VIP健康天使", "threshold_fen": 2_000_000, "benefits": "85折"},
]
RULE_EXAMPLE: dict[str, JsonValue] = {
    "points_per_yuan": 1,
    "tier_multipliers_percent": {"standard": 100, "vip": 120, "star": 150, "angel": 200},
}


class TierIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [LADDER_EXAMPLE[1]]})

    code: str = Field(pattern=TIER_CODE_PATTERN, description="Stable code, e.g. `vip`")
    name: str = Field(min_length=1, max_length=64, description="Shown to members, e.g. VIP贵宾")
    threshold_fen: int = Field(
        ge=0, strict=True, description="Qualifying spend (fen) that reaches this tier"
    )
    benefits: str | None = Field(None, max_length=2000)


class TierOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [LADDER_EXAMPLE[1]]}
    )

    code: str
    name: str
    threshold_fen: int
    benefits: str | None


class Ladder(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"tiers": LADDER_EXAMPLE}]})

    tiers: list[TierOut]


class LadderReplaced(Ladder):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"tiers": LADDER_EXAMPLE, "accounts_moved": 0}]}
    )

    accounts_moved: int = Field(
        description="Accounts whose tier left the ladder and were placed on the new one"
    )


Percent = Annotated[int, Field(ge=0, strict=True)]


class EarningRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [RULE_EXAMPLE]})

    points_per_yuan: int = Field(ge=0, strict=True)
    tier_multipliers_percent: dict[str, Percent] = Field(
        default_factory=dict,
        description=(
            "Percent of the plain rate per tier code (100 = ×1, 150 = ×1.5). A tier left out "
            "earns at 100. Every code must be on the ladder."
        ),
    )


class EarningRuleOut(EarningRuleIn):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{**RULE_EXAMPLE, "updated_at": "2026-05-01T08:00:00Z"}]}
    )

    updated_at: datetime


class TierRef(BaseModel):
    code: str
    name: str


class NextTier(TierRef):
    threshold_fen: int


class LoyaltyOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "member_id": "0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11",
                    "balance": 1200,
                    "tier": {"code": "vip", "name": "VIP贵宾"},
                    "qualifying_spend_fen": 120_000,
                    "next_tier": {"code": "star", "name": "VIP健康之星", "threshold_fen": 500_000},
                    "missing_fen": 380_000,
                }
            ]
        }
    )

    member_id: uuid.UUID
    balance: int
    tier: TierRef
    qualifying_spend_fen: int
    next_tier: NextTier | None = Field(description="null at the top of the ladder")
    missing_fen: int | None = Field(description="Spend (fen) still needed for the next tier")


LedgerKind = Literal["earn", "reverse", "redeem", "adjust"]


class LedgerEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: LedgerKind
    points: int = Field(description="Signed: positive adds to the balance")
    balance_after: int
    shortfall: int = Field(description="Points a reversal could not take back (already spent)")
    purchase_id: uuid.UUID | None
    return_id: uuid.UUID | None
    redemption_id: uuid.UUID | None
    reason: str | None
    created_at: datetime


class LedgerPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "id": "5c0e7f1e-8a1d-4c47-9a43-2b8e2f0a1c33",
                            "kind": "redeem",
                            "points": -500,
                            "balance_after": 700,
                            "shortfall": 0,
                            "purchase_id": None,
                            "return_id": None,
                            "redemption_id": "9d1c3b7a-6f2e-4e4c-8c9b-0a1f2e3d4c5b",
                            "reason": "兑换耳机",
                            "created_at": "2026-05-02T10:00:00Z",
                        },
                        {
                            "id": "2f4e6a8c-1b3d-4f5a-8c7e-9d0b1a2c3e4f",
                            "kind": "earn",
                            "points": 1200,
                            "balance_after": 1200,
                            "shortfall": 0,
                            "purchase_id": "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
                            "return_id": None,
                            "redemption_id": None,
                            "reason": None,
                            "created_at": "2026-05-01T09:30:00Z",
                        },
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )

    items: list[LedgerEntryOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to read older entries")


class RedemptionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"points": 500, "reason": "兑换耳机 (headphones)"}]},
    )

    points: int = Field(gt=0, strict=True)
    reason: str = Field(min_length=1, max_length=200)


class RedemptionOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "redemption_id": "9d1c3b7a-6f2e-4e4c-8c9b-0a1f2e3d4c5b",
                    "member_id": "0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11",
                    "entry_id": "5c0e7f1e-8a1d-4c47-9a43-2b8e2f0a1c33",
                    "points": 500,
                    "balance": 700,
                    "reason": "兑换耳机 (headphones)",
                    "created_at": "2026-05-02T10:00:00Z",
                }
            ]
        }
    )

    redemption_id: uuid.UUID
    member_id: uuid.UUID
    entry_id: uuid.UUID
    points: int
    balance: int = Field(description="The balance after the redemption")
    reason: str
    created_at: datetime
