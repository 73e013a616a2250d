"""What the members API answers: a member's loyalty view and ledger. Money in fen."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.loyalty.accounts.service import SourceType
from services.loyalty.lots.schemas import ExpiringOut, PendingOut
from services.loyalty.reservations.schemas import HeldOut
from services.loyalty.rules.schemas import RuleContribution


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
                    "balance": 1500,
                    "available": 1200,
                    "pending_points": 300,
                    "pending": [{"available_on": "2026-05-08", "points": 300}],
                    "expiring_soon_points": 200,
                    "expiring_soon": [{"valid_through": "2026-05-31", "points": 200}],
                    "held_points": 300,
                    "held": [
                        {
                            "reservation_id": "5b7c9d1e-2f3a-4b5c-8d6e-7f8a9b0c1d2e",
                            "store_id": "6f1c2b9e-8d4a-4f5e-9a51-3c2d7e8f9a10",
                            "points": 300,
                            "expires_at": "2026-05-02T10:15:00Z",
                        }
                    ],
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
    balance: int = Field(description="Points on the account, pending ones included")
    available: int = Field(description="Points that can be spent now")
    pending_points: int = Field(
        description="Points still inside the return window, not spendable yet"
    )
    pending: list[PendingOut] = Field(
        description="Pending points by the brand's day they become available, soonest first"
    )
    expiring_soon_points: int = Field(
        description="Points that expire within the policy's notice days"
    )
    expiring_soon: list[ExpiringOut] = Field(
        description="Those points by their last valid day (the brand's), soonest first"
    )
    held_points: int = Field(
        description=(
            "Points held at a till for a sale in progress: already off the balance, back "
            "if the sale does not use them"
        )
    )
    held: list[HeldOut] = Field(
        description="Those holds, the soonest to run out first (the sweep then gives them back)"
    )
    tier: TierRef
    qualifying_spend_fen: int = Field(
        description=(
            "Net spend (fen) counting toward tiers: lifetime, or under a windowed tier policy "
            "the account's in the current window"
        )
    )
    next_tier: NextTier | None = Field(description="null at the top of the ladder")
    missing_fen: int | None = Field(description="Spend (fen) still needed for the next tier")


LedgerKind = Literal[
    "earn",
    "reverse",
    "redeem",
    "adjust",
    "expire",
    "recover",
    "transfer",
    "hold",
    "release",
    "refund",
    "retake",
]


class LedgerEntryOut(BaseModel):
    id: uuid.UUID
    kind: LedgerKind
    source_type: SourceType = Field(description="What moved the points")
    source_id: uuid.UUID = Field(
        description=(
            "The purchase, return, redemption... id (a void's and a recovery's is the "
            "purchase's, an expiry's the lot's; a transfer's two entries, out of one account "
            "and into another, share its id)"
        )
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
    breakdown: list[RuleContribution] | None = Field(
        None,
        description="An earn's points by earning rule, adding up to `points` (null on other "
        "entries and on earns recorded before the rules engine)",
    )
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
                            "breakdown": [
                                {"rule": "base", "points": 1000},
                                {"rule": "tier:vip", "points": 200},
                            ],
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
