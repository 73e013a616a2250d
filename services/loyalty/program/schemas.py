"""Bodies of the program's configuration API. Money is in fen.

Bounds: a ladder has 1 to ``MAX_TIERS`` tiers; a tier code is ``[a-z0-9_]``, 1 to 32
characters (the column's length); a name one line of at most 64 characters (it reaches
the subject of the tier-upgrade mail); benefits at most 2,000 characters, line breaks
allowed; a threshold at most ``MAX_RUNNING_FEN`` (what a qualifying spend can reach).
``points_per_yuan`` and multipliers are bounded so that points for the largest sale fit
every column they reach (see :mod:`shared.inputs.integers`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from annotated_types import Len
from pydantic import BaseModel, ConfigDict, Field, JsonValue

from shared.inputs import Code, MultiLine, MultiplierPercent, PointsPerYuan, SingleLine, SpendFen

MAX_TIERS = 20
"""Tiers of one ladder, and so multipliers of one earning rule."""

TierCode = Annotated[
    str,
    Code(32, pattern=r"^[a-z0-9_]+$", charset="lowercase letters a-z, digits and _"),
]
"""A tier's stable code, e.g. ``vip``."""

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

    code: TierCode = Field(description="Stable code, e.g. `vip`")
    name: Annotated[str, SingleLine(64)] = Field(description="Shown to members, e.g. VIP贵宾")
    threshold_fen: SpendFen = Field(description="Qualifying spend (fen) that reaches this tier")
    benefits: Annotated[str, MultiLine(2000)] | None = None


LadderIn = Annotated[list[TierIn], Len(1, MAX_TIERS)]
"""A whole ladder, lowest tier first."""


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


class EarningRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [RULE_EXAMPLE]})

    points_per_yuan: PointsPerYuan = Field(description="Points per yuan (100 fen) spent")
    tier_multipliers_percent: Annotated[dict[TierCode, MultiplierPercent], Len(0, MAX_TIERS)] = (
        Field(
            default_factory=dict,
            description=(
                "Percent of the plain rate per tier code (100 = ×1, 150 = ×1.5). A tier left "
                "out earns at 100. Every code must be on the ladder."
            ),
        )
    )


class EarningRuleOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{**RULE_EXAMPLE, "updated_at": "2026-05-01T08:00:00Z"}]}
    )

    points_per_yuan: int
    tier_multipliers_percent: dict[str, int]
    updated_at: datetime
