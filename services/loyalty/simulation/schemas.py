"""Bodies of ``POST /program/simulate``. Money in fen, points integers.

A simulated sale has 1 to ``MAX_LINES`` lines adding up to at most ``MAX_SALE_TOTAL_FEN``
(what a real sale may), vouchers at most its total. A replayed period is at most
``MAX_PERIOD_DAYS`` days of the brand's history.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Self

from annotated_types import Interval, Len
from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from services.loyalty.campaigns.schemas import CampaignTerms
from services.loyalty.program.schemas import TierCode
from services.loyalty.rules.schemas import (
    RULES_EXAMPLE,
    CategoryCode,
    RuleContribution,
    RuleSetIn,
    SkuCode,
)
from shared.inputs import (
    MAX_LINES,
    MAX_POINTS,
    MAX_SALE_TOTAL_FEN,
    LineNo,
    PlanTime,
    TotalAtMost,
    TradingDate,
    UnitPriceFen,
)
from shared.inputs.choice import exactly_one

MAX_PERIOD_DAYS = 366

SALE_EXAMPLE: dict[str, Any] = {
    "store_id": "6f1d2c3b-4a59-4e8d-9c7b-1a2b3c4d5e6f",
    "purchased_at": "2026-12-08T14:30:00+08:00",
    "tier_code": "vip",
    "lines": [
        {"line_no": 1, "sku": "HP-FISHOIL-60", "category": "health-fishoil", "amount_fen": 25_800},
        {"line_no": 2, "sku": "SK-CREAM-50", "category": "skincare", "amount_fen": 12_345},
    ],
    "vouchers_fen": 2_000,
}


class SimulatedLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_no: LineNo
    sku: SkuCode
    category: CategoryCode = Field(description="As the sale line carries it")
    amount_fen: UnitPriceFen = Field(description="The line's amount after the till's discounts")


class SimulatedSale(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [SALE_EXAMPLE]})

    store_id: uuid.UUID
    purchased_at: PlanTime = Field(description="Picks the member day and the version in force")
    tier_code: TierCode = Field(description="The member's tier before the sale")
    lines: Annotated[
        list[SimulatedLine],
        Len(1, MAX_LINES),
        TotalAtMost(MAX_SALE_TOTAL_FEN, lambda line: line.amount_fen),
    ]
    vouchers_fen: UnitPriceFen = Field(0, description="Vouchers (代金券) the sale used")
    earned_today: Annotated[int, Strict(), Interval(ge=0, le=MAX_POINTS)] = Field(
        0, description="Points the member earned before on the sale's day (for the daily cap)"
    )

    @model_validator(mode="after")
    def _unique_lines(self) -> Self:
        numbers = [line.line_no for line in self.lines]
        if len(set(numbers)) != len(numbers):
            raise ValueError("lines: line numbers must be unique")
        return self


class Period(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_day: TradingDate
    last_day: TradingDate = Field(description="Inclusive; days in the brand's timezone")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.last_day < self.first_day:
            raise ValueError("last_day must not be before first_day")
        if (self.last_day - self.first_day).days >= MAX_PERIOD_DAYS:
            raise ValueError(f"a period is at most {MAX_PERIOD_DAYS} days")
        return self


class SimulationIn(BaseModel):
    """Either a sale, or a period of stored purchases to replay; ``rules`` are the candidate
    rules (left out: the versions in force)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"sale": SALE_EXAMPLE, "rules": RULES_EXAMPLE},
                {
                    "period": {"first_day": "2026-11-01", "last_day": "2026-11-30"},
                    "rules": RULES_EXAMPLE,
                },
            ]
        },
    )

    rules: RuleSetIn | None = None
    sale: SimulatedSale | None = None
    period: Period | None = None

    @model_validator(mode="after")
    def _one_question(self) -> Self:
        exactly_one("give", {"sale": self.sale, "period": self.period})
        return self


class LineOut(BaseModel):
    line_no: int
    net_fen: int = Field(description="The amount less the line's share of vouchers")
    multiplier_percent: int = Field(description="0 for an excluded line")
    rule: str = Field(description="The rule that set the rate, or `excluded:...`")


class SaleSimulation(BaseModel):
    version: int | None = Field(description="The version that rated it; null: `rules` given")
    points: int
    eligible_fen: int = Field(description="Net amount of the lines that earn")
    breakdown: list[RuleContribution]
    lines: list[LineOut]


class ReplaySimulation(BaseModel):
    first_day: date
    last_day: date
    purchases: int = Field(description="Purchases made in the period (brand's days)")
    members: int
    members_affected: int = Field(description="Members whose points differ from `in_force`")
    points: int = Field(description="What the candidate rules give")
    points_in_force: int = Field(description="What the version in force now gives")
    change: int = Field(description="`points` − `points_in_force`")
    points_earned: int = Field(description="What the purchases earned, as recorded")
    in_force_version: int
    by_rule: list[RuleContribution] = Field(description="The candidate's points by rule")
    computed_at: datetime


class SimulationOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sale": {
                        "version": None,
                        "points": 967,
                        "eligible_fen": 36_145,
                        "breakdown": [
                            {"rule": "base", "points": 361},
                            {"rule": "day:member_day", "points": 117},
                            {"rule": "sku:HP-FISHOIL-60", "points": 489},
                        ],
                        "lines": [
                            {
                                "line_no": 1,
                                "net_fen": 24_447,
                                "multiplier_percent": 300,
                                "rule": "sku:HP-FISHOIL-60",
                            },
                            {
                                "line_no": 2,
                                "net_fen": 11_698,
                                "multiplier_percent": 200,
                                "rule": "day:member_day",
                            },
                        ],
                    },
                    "replay": None,
                }
            ]
        }
    )

    sale: SaleSimulation | None = None
    replay: ReplaySimulation | None = None


class CampaignDryRunIn(BaseModel):
    """A campaign's terms tried on the stored purchases of a past period."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "campaign": {
                        "scope": {"categories": ["skincare"]},
                        "multiplier_percent": 200,
                        "budget_points": 500_000,
                        "reward_top_n": 10,
                        "reward_points": 2_000,
                    },
                    "period": {"first_day": "2026-10-01", "last_day": "2026-10-10"},
                }
            ]
        },
    )

    campaign: CampaignTerms
    period: Period


class TopSpender(BaseModel):
    rank: int
    member_id: uuid.UUID
    qualifying_spend_fen: int


class CampaignDryRunOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "first_day": "2026-10-01",
                    "last_day": "2026-10-10",
                    "purchases": 1_204,
                    "members_reached": 388,
                    "points": 61_250,
                    "coupons": 412,
                    "coupons_taken_back": 9,
                    "reward_points": 20_000,
                    "top": [
                        {
                            "rank": 1,
                            "member_id": "0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11",
                            "qualifying_spend_fen": 1_250_000,
                        }
                    ],
                }
            ]
        }
    )

    first_day: date
    last_day: date
    purchases: int = Field(
        description="Stored purchases made in the period, those voided or returned since too"
    )
    members_reached: int = Field(description="Members with qualifying spend net of returns")
    points: int = Field(
        description=(
            "What its multiplier and bonus would have drawn from its budget (held), at each "
            "sale: returns since take a member's share back, never the budget's"
        )
    )
    coupons: int = Field(
        description=(
            "Coupons its giveaway would have given, within giveaway_quantity and the "
            "definition as it stands now (coupons left, per-member limit less what each "
            "member holds, none once its validity ended)"
        )
    )
    coupons_taken_back: int = Field(
        description=(
            "Of them, those whose purchase the returns since left below the threshold (live, "
            "taken back if still unused)"
        )
    )
    reward_points: int = Field(description="What its close-out would have given the top N")
    top: list[TopSpender] = Field(
        description="Whom its close-out would have rewarded (net of returns), highest first"
    )
