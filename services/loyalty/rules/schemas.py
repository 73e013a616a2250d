"""Bodies of the earning rules API. Money is in fen, multipliers in percent (100 = ×1).

Bounds: at most ``MAX_ENTRIES`` multipliers of each kind and codes in each exclusion
list, ``MAX_MEMBER_DAYS`` member days and ``MAX_BONUSES`` threshold bonuses; a bonus
at most ``MAX_BONUS_POINTS``. A sale's points are then at most ``MAX_POINTS_PER_SALE``
plus one bonus (see :mod:`services.loyalty.rules.domain`), far inside a ``bigint`` and
exact in JSON. SKU and category codes are as sale lines carry them (at most 64
characters).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Self

from annotated_types import Interval, Len
from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from services.loyalty.program.schemas import MAX_TIERS, RULE_EXAMPLE, TierCode
from shared.inputs import (
    Code,
    EffectiveTime,
    MultiplierPercent,
    PlanDate,
    Points,
    PointsPerYuan,
    SpendFen,
)
from shared.product_categories import MAX_CODE

MAX_ENTRIES = 200
MAX_MEMBER_DAYS = 20
MAX_BONUSES = 20
MAX_DATES = 366
MAX_BONUS_POINTS = 1_000_000_000
MAX_VERSIONS_SHOWN = 50

SkuCode = Annotated[str, Code(MAX_CODE)]
"""A SKU as sale lines carry it."""
CategoryCode = Annotated[str, Code(MAX_CODE)]
"""A category code as sale lines and ``orders.product.changed`` carry it."""
RuleName = Annotated[
    str, Code(32, pattern=r"^[a-z0-9_]+$", charset="lowercase letters a-z, digits and _")
]
Weekday = Annotated[int, Strict(), Interval(ge=1, le=7)]
"""ISO weekday: 1 = Monday ... 7 = Sunday."""
MonthDay = Annotated[int, Strict(), Interval(ge=1, le=31)]
BonusPoints = Annotated[int, Strict(), Interval(ge=1, le=MAX_BONUS_POINTS)]


class MemberDayIn(BaseModel):
    """Days of a higher rate: a day matching any weekday, day of the month or date."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "member_day", "multiplier_percent": 200, "month_days": [8]}]
        },
    )

    name: RuleName = Field(description="Names the rule in breakdowns, e.g. `member_day`")
    multiplier_percent: MultiplierPercent
    weekdays: Annotated[list[Weekday], Len(0, 7)] = Field(
        default_factory=list, description="ISO weekdays, 1 = Monday"
    )
    month_days: Annotated[list[MonthDay], Len(0, 31)] = Field(default_factory=list)
    dates: Annotated[list[PlanDate], Len(0, MAX_DATES)] = Field(default_factory=list)

    @model_validator(mode="after")
    def _names_a_day(self) -> Self:
        if not (self.weekdays or self.month_days or self.dates):
            raise ValueError("a member day needs at least one weekday, month day or date")
        return self


class BonusIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"threshold_fen": 50_000, "points": 50}]}
    )

    threshold_fen: SpendFen = Field(description="Eligible net amount (fen) the sale must reach")
    points: BonusPoints


RULES_EXAMPLE: dict[str, Any] = {
    **RULE_EXAMPLE,
    "category_multipliers_percent": {"health": 150},
    "sku_multipliers_percent": {"HP-FISHOIL-60": 300},
    "store_multipliers_percent": {"6f1d2c3b-4a59-4e8d-9c7b-1a2b3c4d5e6f": 120},
    "member_days": [{"name": "member_day", "multiplier_percent": 200, "month_days": [8]}],
    "threshold_bonuses": [{"threshold_fen": 50_000, "points": 50}],
    "excluded_categories": ["tobacco"],
    "excluded_skus": ["GIFT-CARD-100"],
    "minimum_spend_fen": 1_000,
    "cap_per_sale": 100_000,
    "cap_per_member_day": 200_000,
}


class RuleSetIn(BaseModel):
    """A whole rule set (see :mod:`services.loyalty.rules.domain` for how it rates a sale)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [RULES_EXAMPLE]})

    points_per_yuan: PointsPerYuan = Field(description="Points per yuan (100 fen) of net amount")
    tier_multipliers_percent: Annotated[dict[TierCode, MultiplierPercent], Len(0, MAX_TIERS)] = (
        Field(default_factory=dict, description="Per tier code; every code must be on the ladder")
    )
    category_multipliers_percent: Annotated[
        dict[CategoryCode, MultiplierPercent], Len(0, MAX_ENTRIES)
    ] = Field(default_factory=dict, description="Per category code; applies to its descendants")
    sku_multipliers_percent: Annotated[dict[SkuCode, MultiplierPercent], Len(0, MAX_ENTRIES)] = (
        Field(default_factory=dict)
    )
    store_multipliers_percent: Annotated[
        dict[uuid.UUID, MultiplierPercent], Len(0, MAX_ENTRIES)
    ] = Field(default_factory=dict, description="Per store id")
    member_days: Annotated[list[MemberDayIn], Len(0, MAX_MEMBER_DAYS)] = Field(
        default_factory=list, description="Days in the brand's timezone; names unique"
    )
    threshold_bonuses: Annotated[list[BonusIn], Len(0, MAX_BONUSES)] = Field(
        default_factory=list, description="The highest threshold reached pays; thresholds unique"
    )
    excluded_categories: Annotated[list[CategoryCode], Len(0, MAX_ENTRIES)] = Field(
        default_factory=list, description="Lines in these categories (or below) earn nothing"
    )
    excluded_skus: Annotated[list[SkuCode], Len(0, MAX_ENTRIES)] = Field(default_factory=list)
    minimum_spend_fen: SpendFen = Field(0, description="Eligible net amount below it earns 0")
    cap_per_sale: Points | None = Field(None, description="Most points one sale earns")
    cap_per_member_day: Points | None = Field(
        None, description="Most points a member earns on one day in the brand's timezone"
    )

    @model_validator(mode="after")
    def _unique(self) -> Self:
        names = [day.name for day in self.member_days]
        if len(set(names)) != len(names):
            raise ValueError("member_days: names must be unique")
        thresholds = [bonus.threshold_fen for bonus in self.threshold_bonuses]
        if len(set(thresholds)) != len(thresholds):
            raise ValueError("threshold_bonuses: thresholds must be unique")
        return self


class EarningRulesIn(RuleSetIn):
    """A new version of the rules, in force from ``effective_from`` (now if left out)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{**RULES_EXAMPLE, "effective_from": "2026-12-01T00:00:00+08:00"}]
        }
    )

    effective_from: EffectiveTime | None = Field(
        None, description="From when sales are rated by this version; never in the past"
    )


VERSION_EXAMPLE: dict[str, Any] = {
    **RULES_EXAMPLE,
    "version": 2,
    "effective_from": "2026-11-30T16:00:00Z",
    "created_at": "2026-11-30T09:00:00Z",
}


class RuleVersionOut(RuleSetIn):
    model_config = ConfigDict(json_schema_extra={"examples": [VERSION_EXAMPLE]})

    version: int
    effective_from: datetime = Field(description="Sales made from this time on (UTC)")
    created_at: datetime


class EarningRulesOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"in_force": VERSION_EXAMPLE, "versions": [VERSION_EXAMPLE]}]
        }
    )

    in_force: RuleVersionOut = Field(description="The version rating sales made now")
    versions: list[RuleVersionOut] = Field(
        description=f"The latest {MAX_VERSIONS_SHOWN} versions, latest effective first, "
        "scheduled ones included"
    )


class RuleContribution(BaseModel):
    rule: str = Field(
        description="`base`, `tier:<code>`, `category:<code>`, `sku:<sku>`, `store:<id>`, "
        "`day:<name>`, `bonus:<threshold_fen>`, `minimum_spend`, `cap:sale`, `cap:member_day` "
        "or `campaign:<id>`"
    )
    points: int = Field(description="What the rule gave (a cap: what it took off, negative)")
    campaign_id: uuid.UUID | None = Field(
        None,
        description="The campaign that gave the points (rule `campaign:<id>`); only on those",
        exclude_if=lambda campaign_id: campaign_id is None,
    )
