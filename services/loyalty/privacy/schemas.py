"""Response shapes of loyalty's part of a member's export."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from services.loyalty.coupons.schemas import CouponOut
from services.loyalty.lottery.schemas import MemberDraws
from services.loyalty.members.schemas import LedgerEntryOut, LoyaltyOut
from services.loyalty.referrals.schemas import ReferralOut
from services.loyalty.rewards.schemas import RewardOrderOut
from services.loyalty.wallets.schemas import WalletOut


class LoyaltyExport(BaseModel):
    """What loyalty holds about a member, as of one moment: balance, tier and progress
    (``loyalty``), every ledger entry newest first (``ledger``: what was earned, redeemed,
    expired, adjusted, with its source), every coupon (codes shown: the export is the
    member's own copy), the stored-value wallet, their reward orders, the friends they
    referred (masked, as the member sees them) and their draws with unused chances.
    Points are integers, money in fen, times UTC."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "loyalty": {"member_id": "7d1c0a52-5b7e-4c1e-9a55-2f0c8b3e4d10"},
                    "ledger": [],
                    "coupons": [],
                    "wallet": {"balance_fen": 0},
                    "reward_orders": [],
                    "referrals": [],
                    "draws": {"chances": [], "items": []},
                }
            ]
        }
    )

    loyalty: LoyaltyOut
    ledger: list[LedgerEntryOut]
    coupons: list[CouponOut]
    wallet: WalletOut
    reward_orders: list[RewardOrderOut]
    referrals: list[ReferralOut]
    draws: MemberDraws
