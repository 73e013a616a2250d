"""Bodies of the lottery API. Probabilities in parts per 10,000, spend in fen, points
integers; times answered in UTC, days are the brand's.

Bounds: a name one line of at most 100 characters; 1 to 20 prizes; a daily quota 1 to
1,000,000; the earning rule's spend 1 fen to 10^12 (``per_spend`` at least 100 fen, so a
sale earns at most 10^8 chances).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from annotated_types import Interval, Len
from pydantic import BaseModel, ConfigDict, Field, Strict

from services.loyalty.lottery.domain import WHOLE, Fallback, PrizeKind
from shared.inputs import EffectiveTime, Points, SingleLine

MAX_PRIZES = 20
MAX_EARN_FEN = 10**12
NEXT_CURSOR = "Pass as `cursor` to read the next page; null on the last page"

Name = Annotated[str, SingleLine(100)]
Probability = Annotated[int, Strict(), Interval(ge=0, le=WHOLE)]
DailyQuota = Annotated[int, Strict(), Interval(ge=1, le=1_000_000)]

EXAMPLE: dict[str, Any] = {
    "name": "十周年抽奖 Tenth anniversary draw",
    "starts_at": "2027-01-01T00:00:00+08:00",
    "ends_at": "2027-01-11T00:00:00+08:00",
    "earn": {"kind": "per_spend", "spend_fen": 10_000},
    "prizes": [
        {
            "name": "一等奖 豪华套装",
            "kind": "gift",
            "gift_name": "Deluxe skincare set",
            "probability": 50,
            "daily_quota": 2,
            "fallback": "next",
        },
        {
            "name": "二等奖 500 积分",
            "kind": "points",
            "points": 500,
            "probability": 300,
            "daily_quota": 3,
            "fallback": "next",
        },
        {
            "name": "三等奖 代金券",
            "kind": "coupon",
            "definition_id": "3f6c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c",
            "probability": 1_000,
            "daily_quota": 5,
            "fallback": "none",
        },
    ],
}


class EarnIn(BaseModel):
    """How purchases in the window earn chances: ``per_sale`` one per sale whose total
    reaches ``spend_fen``; ``per_spend`` one per whole ``spend_fen`` of a sale's total
    (at least 100 fen)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["per_sale", "per_spend"]
    spend_fen: Annotated[int, Strict(), Interval(ge=1, le=MAX_EARN_FEN)]


class _PrizeTerms(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    probability: Probability = Field(description="Parts per 10,000 (1 = 0.01%)")
    daily_quota: DailyQuota = Field(description="At most this many won per brand day")
    fallback: Fallback = Field(
        "none", description="Out of today's quota: `next` the next lower prize, `none` no prize"
    )


class CouponPrizeIn(_PrizeTerms):
    kind: Literal["coupon"]
    definition_id: uuid.UUID = Field(description="The coupon definition granted")


class PointsPrizeIn(_PrizeTerms):
    kind: Literal["points"]
    points: Points


class GiftPrizeIn(_PrizeTerms):
    kind: Literal["gift"]
    gift_name: Name = Field(description="What staff hand over")


PrizeIn = Annotated[CouponPrizeIn | PointsPrizeIn | GiftPrizeIn, Field(discriminator="kind")]


class LotteryCampaignIn(BaseModel):
    """A draw campaign. Prizes are listed top prize first (rank 1); their probabilities
    add up to at most 10,000 parts, the rest is no prize."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    name: Name
    starts_at: EffectiveTime
    ends_at: EffectiveTime = Field(description="Exclusive")
    earn: EarnIn
    prizes: Annotated[list[PrizeIn], Len(1, MAX_PRIZES)]


_PRIZE_OUT: dict[str, Any] = {
    "prize_id": "6a1f0c3e-2b4d-4e5f-8a9b-0c1d2e3f4a5b",
    "rank": 2,
    "name": "二等奖 500 积分",
    "kind": "points",
    "definition_id": None,
    "points": 500,
    "gift_name": None,
    "probability": 300,
    "daily_quota": 3,
    "fallback": "next",
    "won_today": 1,
}


class PrizeOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_PRIZE_OUT]})

    prize_id: uuid.UUID
    rank: int
    name: str
    kind: PrizeKind
    definition_id: uuid.UUID | None
    points: int | None
    gift_name: str | None
    probability: int
    daily_quota: int
    fallback: Fallback
    won_today: int = Field(description="Won so far on the brand's current day")


_CAMPAIGN_OUT: dict[str, Any] = {
    "id": "3c9e2f4a-7b1d-4e5f-9a0b-1c2d3e4f5a6b",
    "name": EXAMPLE["name"],
    "starts_at": "2026-12-31T16:00:00Z",
    "ends_at": "2027-01-10T16:00:00Z",
    "earn": EXAMPLE["earn"],
    "prizes": [_PRIZE_OUT],
    "created_at": "2026-11-30T02:00:00Z",
    "created_by": "marketing@brand.example",
}


class LotteryCampaignOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_CAMPAIGN_OUT]})

    id: uuid.UUID
    name: str
    starts_at: datetime
    ends_at: datetime
    earn: EarnIn
    prizes: list[PrizeOut]
    created_at: datetime
    created_by: str


class LotteryCampaignList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [_CAMPAIGN_OUT], "next_cursor": None}]}
    )

    items: list[LotteryCampaignOut]
    next_cursor: str | None = Field(None, description=NEXT_CURSOR)


class DrawIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"campaign_id": "3c9e2f4a-7b1d-4e5f-9a0b-1c2d3e4f5a6b"}]},
    )

    campaign_id: uuid.UUID


_DRAW_OUT: dict[str, Any] = {
    "draw_id": "9d2e4f6a-1b3c-4d5e-8f7a-2b3c4d5e6f70",
    "campaign_id": "3c9e2f4a-7b1d-4e5f-9a0b-1c2d3e4f5a6b",
    "member_id": "0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11",
    "random_value": 212,
    "drawn_prize_id": _PRIZE_OUT["prize_id"],
    "prize": _PRIZE_OUT,
    "quota_day": "2027-01-01",
    "coupon_id": None,
    "entry_id": "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b",
    "fulfilled_at": None,
    "chances_left": 2,
    "drawn_at": "2027-01-01T02:15:00Z",
}
_NEXT_PAGE = "MjAyNy0wMS0wMVQwMjoxNTowMCswMDowMHw5ZDJlNGY2YS0xYjNjLTRkNWUtOGY3YS0yYjNjNGQ1ZTZmNzA="
"""``encode_cursor`` of the example draw's ``drawn_at`` and ``draw_id``."""


class DrawOut(BaseModel):
    """One draw. ``prize`` is null for no prize; ``drawn_prize_id`` what the random value
    picked before the day's quotas and fallbacks."""

    model_config = ConfigDict(json_schema_extra={"examples": [_DRAW_OUT]})

    draw_id: uuid.UUID
    campaign_id: uuid.UUID
    member_id: uuid.UUID
    random_value: int = Field(description="0 to 9,999, from the OS's secure generator")
    drawn_prize_id: uuid.UUID | None
    prize: PrizeOut | None
    quota_day: date
    coupon_id: uuid.UUID | None
    entry_id: uuid.UUID | None = Field(description="The points ledger entry of a points prize")
    fulfilled_at: datetime | None = Field(description="A gift's hand-over (null: not yet)")
    chances_left: int | None = Field(description="Unused chances after it (when drawn)")
    drawn_at: datetime


class Chances(BaseModel):
    campaign_id: uuid.UUID
    chances: int


class MemberDraws(BaseModel):
    """A page of a member's draws, with their unused chances per campaign (on every page)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "chances": [{"campaign_id": _DRAW_OUT["campaign_id"], "chances": 2}],
                    "items": [_DRAW_OUT],
                    "next_cursor": _NEXT_PAGE,
                }
            ]
        }
    )

    chances: list[Chances] = Field(description="Unused chances per campaign")
    items: list[DrawOut] = Field(description="The member's draws, the latest first")
    next_cursor: str | None = Field(None, description=NEXT_CURSOR)


class DayAudit(BaseModel):
    """A page of a campaign's draws of one brand day, the latest first, with each prize's
    count that day (whole on every page)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "campaign_id": _DRAW_OUT["campaign_id"],
                    "day": "2027-01-01",
                    "prizes": [{**_PRIZE_OUT, "won_today": 3}],
                    "items": [_DRAW_OUT],
                    "next_cursor": _NEXT_PAGE,
                }
            ]
        }
    )

    campaign_id: uuid.UUID
    day: date
    prizes: list[PrizeOut] = Field(description="`won_today`: won on that day")
    items: list[DrawOut] = Field(description="The day's draws, the latest first")
    next_cursor: str | None = Field(None, description=NEXT_CURSOR)
