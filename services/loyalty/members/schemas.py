"""What the members API answers: a member's loyalty view and ledger. Money in fen."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


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
                    "account_id": "3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b",
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
    account_id: uuid.UUID = Field(description="The account the member holds")
    balance: int = Field(description="Points on the account")
    tier: TierRef
    qualifying_spend_fen: int
    next_tier: NextTier | None = Field(description="null at the top of the ladder")
    missing_fen: int | None = Field(description="Spend (fen) still needed for the next tier")


LedgerKind = Literal["earn", "reverse", "redeem", "adjust", "refund"]
SourceType = Literal[
    "purchase", "return", "void", "redemption", "adjustment", "reward_order", "reward_refund"
]


class LedgerEntryOut(BaseModel):
    id: uuid.UUID
    kind: LedgerKind
    source_type: SourceType = Field(description="What moved the points")
    source_id: uuid.UUID = Field(
        description="The purchase, return, redemption... id (a void's is its purchase's)"
    )
    points: int = Field(description="Signed: positive adds to the balance")
    balance_after: int
    shortfall: int = Field(description="Points a reversal could not take back (already spent)")
    purchase_id: uuid.UUID | None = Field(description="The purchase earned on or reversed")
    return_id: uuid.UUID | None
    redemption_id: uuid.UUID | None
    reward_order_id: uuid.UUID | None = Field(
        None,
        description="The reward order that spent the points, or whose cancellation gave them back",
    )
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
                            "source_type": "redemption",
                            "source_id": "9d1c3b7a-6f2e-4e4c-8c9b-0a1f2e3d4c5b",
                            "points": -500,
                            "balance_after": 700,
                            "shortfall": 0,
                            "purchase_id": None,
                            "return_id": None,
                            "redemption_id": "9d1c3b7a-6f2e-4e4c-8c9b-0a1f2e3d4c5b",
                            "reward_order_id": None,
                            "reason": "兑换耳机",
                            "created_at": "2026-05-02T10:00:00Z",
                        },
                        {
                            "id": "2f4e6a8c-1b3d-4f5a-8c7e-9d0b1a2c3e4f",
                            "kind": "earn",
                            "source_type": "purchase",
                            "source_id": "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
                            "points": 1200,
                            "balance_after": 1200,
                            "shortfall": 0,
                            "purchase_id": "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
                            "return_id": None,
                            "redemption_id": None,
                            "reward_order_id": None,
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
