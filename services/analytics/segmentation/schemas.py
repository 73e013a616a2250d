"""Answers of the segmentation. Money is integer fen (a value per purchase may have a
fraction of a fen); shares are ratios rounded to 4 decimals; days are the brand's."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from services.analytics.segmentation.domain import Quadrant
from services.analytics.segmentation.kinds.base import ChurnKind

_AS_OF = "2026-12-01T02:00:00Z"
CutFrom = Literal["median", "given"]


class RfmCell(BaseModel):
    r: int = Field(description="Recency score, 1 (longest ago) to `bins` (most recent)")
    f: int = Field(description="Frequency score, 1 (fewest purchases) to `bins`")
    m: int = Field(description="Monetary score, 1 (lowest net spend) to `bins`")
    members: int
    net_spend_fen: int


class RfmReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "bins": 5,
                    "members": 860,
                    "cells": [
                        {"r": 5, "f": 5, "m": 5, "members": 41, "net_spend_fen": 9_812_000},
                        {"r": 1, "f": 1, "m": 1, "members": 57, "net_spend_fen": 342_000},
                    ],
                    "as_of": _AS_OF,
                }
            ]
        }
    )

    bins: int = Field(description="Scores per dimension (5: quintiles)")
    members: int = Field(description="Members with a counted purchase (the population)")
    cells: list[RfmCell] = Field(description="The non-empty cells, best (r, f, m) first")
    as_of: datetime


class QuadrantRow(BaseModel):
    quadrant: Quadrant
    name: str = Field(description="Seed 001's name: 黄金客户, 流星客户, 小溪客户, 负担客户")
    high_value: bool = Field(description="Value per purchase above `value_cut_fen`")
    high_repeat: bool = Field(description="Purchases above `repeat_cut`")
    members: int
    member_share: float = Field(description="members / all members of the population")
    net_spend_fen: int
    net_spend_share: float = Field(description="net_spend_fen / the population's net spend")
    purchases: int


_QUADRANT: dict[str, JsonValue] = {
    "quadrant": "gold",
    "name": "黄金客户",
    "high_value": True,
    "high_repeat": True,
    "members": 120,
    "member_share": 0.1395,
    "net_spend_fen": 21_400_000,
    "net_spend_share": 0.4177,
    "purchases": 610,
}


class QuadrantReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "value_cut_from": "median",
                    "repeat_cut_from": "median",
                    "value_cut_fen": 18_250.0,
                    "repeat_cut": 1.0,
                    "members": 860,
                    "quadrants": [_QUADRANT],
                    "as_of": _AS_OF,
                }
            ]
        }
    )

    value_cut_from: CutFrom = Field(
        description="`median`: the population's median; `given`: `value_cut_fen` of the query"
    )
    value_cut_fen: float = Field(description="Value per purchase (net spend / purchases) cut")
    repeat_cut_from: CutFrom = Field(
        description="`median`: the population's median; `given`: `repeat_cut` of the query"
    )
    repeat_cut: float = Field(description="Number of purchases cut")
    members: int
    quadrants: list[QuadrantRow] = Field(description="gold, meteor, brook, burden, in order")
    as_of: datetime


class ParetoPoint(BaseModel):
    members_percent: int = Field(description="The top this many % of members by net spend")
    members: int = Field(description="That many members (rounded up)")
    net_spend_fen: int = Field(description="Their net spend")
    share: float = Field(description="Their share of the population's net spend")


class ParetoReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "members": 860,
                    "net_spend_fen": 51_234_500,
                    "top_percent": 20.0,
                    "top_members": 172,
                    "top_net_spend_fen": 38_120_000,
                    "top_share": 0.744,
                    "curve": [
                        {
                            "members_percent": 50,
                            "members": 430,
                            "net_spend_fen": 47_900_000,
                            "share": 0.9349,
                        },
                        {
                            "members_percent": 100,
                            "members": 860,
                            "net_spend_fen": 51_234_500,
                            "share": 1.0,
                        },
                    ],
                    "as_of": _AS_OF,
                }
            ]
        }
    )

    members: int
    net_spend_fen: int
    top_percent: float = Field(description="The `top` asked for")
    top_members: int
    top_net_spend_fen: int
    top_share: float = Field(description="Share of net spend from the top `top_percent` %")
    curve: list[ParetoPoint] = Field(description="The Pareto (Lorenz-like) curve, by `step`")
    as_of: datetime


class SleepingReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "months": 6,
                    "since": "2026-06-01T00:00:00+08:00",
                    "members": 860,
                    "sleeping": 214,
                    "share": 0.2488,
                    "as_of": _AS_OF,
                }
            ]
        }
    )

    months: int
    since: datetime = Field(description="Last purchase before this (the brand's midnight)")
    members: int = Field(description="Members with a counted purchase")
    sleeping: int = Field(description="Of them, those with no purchase since `since` (沉睡)")
    share: float
    as_of: datetime


class ChurnWarningReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "criterion": "overdue",
                    "parameter": "factor",
                    "value": 2.0,
                    "definition": "A member with two or more purchases whose days since …",
                    "members": 860,
                    "at_risk": 96,
                    "share": 0.1116,
                    "as_of": _AS_OF,
                }
            ]
        }
    )

    criterion: ChurnKind
    parameter: str = Field(description="The criterion's parameter")
    value: float = Field(description="Its value used")
    definition: str
    members: int = Field(description="Members with a counted purchase")
    at_risk: int = Field(description="Of them, those the criterion flags (流失预警)")
    share: float
    as_of: datetime


MEMBER_HEADER = (
    "member_id",
    "recency_days",
    "frequency",
    "monetary_fen",
    "r",
    "f",
    "m",
    "rfm",
    "quadrant",
    "sleeping",
    "churn_risk",
)


class SegmentMember(BaseModel):
    member_id: uuid.UUID
    recency_days: int = Field(description="Business days since the last purchase")
    frequency: int = Field(description="Counted purchases")
    monetary_fen: int = Field(description="Net spend")
    r: int
    f: int
    m: int
    rfm: str = Field(description="The three scores as one code, e.g. `545`")
    quadrant: Quadrant
    sleeping: bool
    churn_risk: bool


class SegmentMemberPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "member_id": "3f2b8c1e-6a4d-4f7e-9b1a-2c3d4e5f6a7b",
                            "recency_days": 12,
                            "frequency": 3,
                            "monetary_fen": 180_000,
                            "r": 4,
                            "f": 5,
                            "m": 5,
                            "rfm": "455",
                            "quadrant": "gold",
                            "sleeping": False,
                            "churn_risk": False,
                        }
                    ],
                    "next_cursor": "3f2b8c1e-6a4d-4f7e-9b1a-2c3d4e5f6a7b",
                }
            ]
        }
    )

    items: list[SegmentMember]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page"
    )


class QuadrantPoint(BaseModel):
    member_id: uuid.UUID
    value_per_purchase_fen: float = Field(description="Net spend / counted purchases, fen")
    purchases: int = Field(description="Counted purchases")
    net_spend_fen: int
    quadrant: Quadrant
