"""The reports' data (their JSON answers; CSV, the Vega-Lite spec, SVG and PNG are drawn
from it). Days and months are the brand's (``business_timezone``); money is integer fen
(a chart shows yuan); ratios are rounded to 4 decimals."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.analytics.clv.domain import TimeUnit
from services.analytics.reports.domain import Interval
from services.analytics.segmentation.schemas import QuadrantPoint

_AS_OF = "2026-12-01T02:00:00Z"
Format = Literal["json", "csv", "vl", "svg", "png"]


class RevenuePeriod(BaseModel):
    period_start: date = Field(description="First day of the day, ISO week or month")
    purchases: int = Field(description="Counted purchases (neither voided nor fully returned)")
    buyers: int = Field(description="Members with a counted purchase in the period")
    net_revenue_fen: int = Field(description="Purchases not voided, less their refunds")


class RevenueReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "interval": "month",
                    "first_day": "2026-01-01",
                    "last_day": "2026-11-30",
                    "net_revenue_fen": 51_234_500,
                    "purchases": 2140,
                    "periods": [
                        {
                            "period_start": "2026-11-01",
                            "purchases": 210,
                            "buyers": 160,
                            "net_revenue_fen": 5_120_000,
                        }
                    ],
                    "as_of": _AS_OF,
                }
            ]
        }
    )

    interval: Interval
    first_day: date
    last_day: date = Field(description="Included")
    net_revenue_fen: int = Field(description="Over the whole window")
    purchases: int = Field(description="Over the whole window")
    periods: list[RevenuePeriod] = Field(description="Every period of the window, in order")
    as_of: datetime


class MembersPeriod(BaseModel):
    period_start: date = Field(description="First day of the day, ISO week or month")
    new_members: int = Field(description="Members who registered in the period")
    members: int = Field(description="Registered members at the period's end")
    buyers: int = Field(description="Members with a counted purchase in the period")


class MembersReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "interval": "month",
                    "first_day": "2026-01-01",
                    "last_day": "2026-11-30",
                    "periods": [
                        {
                            "period_start": "2026-11-01",
                            "new_members": 95,
                            "members": 1280,
                            "buyers": 160,
                        }
                    ],
                    "as_of": _AS_OF,
                }
            ]
        }
    )

    interval: Interval
    first_day: date
    last_day: date = Field(description="Included")
    periods: list[MembersPeriod] = Field(description="Every period of the window, in order")
    as_of: datetime


class RetentionCell(BaseModel):
    cohort: date = Field(description="First day of the month of the cohort's first purchase")
    cohort_members: int = Field(description="Members whose first counted purchase fell in it")
    months_since: int = Field(description="0: the cohort's own month")
    active: int = Field(description="Of them, those with a counted purchase in that month")
    retention: float = Field(description="active / cohort_members")


class RetentionReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "first_month": "2026-01-01",
                    "last_month": "2026-11-01",
                    "cells": [
                        {
                            "cohort": "2026-01-01",
                            "cohort_members": 120,
                            "months_since": 1,
                            "active": 30,
                            "retention": 0.25,
                        }
                    ],
                    "as_of": _AS_OF,
                }
            ]
        }
    )

    first_month: date = Field(description="The first cohort's month (its first day)")
    last_month: date = Field(description="The last cohort's month (its first day)")
    cells: list[RetentionCell] = Field(
        description="Each cohort × each month since that has begun, cohorts in order"
    )
    as_of: datetime


class QuadrantScatter(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "value_cut_fen": 18_250.0,
                    "repeat_cut": 1.0,
                    "members": 860,
                    "points": [
                        {
                            "member_id": "3f2b8c1e-6a4d-4f7e-9b1a-2c3d4e5f6a7b",
                            "value_per_purchase_fen": 33_333.33,
                            "purchases": 3,
                            "net_spend_fen": 100_000,
                            "quadrant": "gold",
                        }
                    ],
                    "as_of": _AS_OF,
                }
            ]
        }
    )

    value_cut_fen: float = Field(description="Value per purchase cut (default the median)")
    repeat_cut: float = Field(description="Purchases cut (default the median)")
    members: int = Field(description="The population; `points` is a fixed sample of it")
    points: list[QuadrantPoint] = Field(description="At most `points` members")
    as_of: datetime


class RfCell(BaseModel):
    r: int = Field(description="Recency score, `bins` the most recent")
    f: int = Field(description="Frequency score, `bins` the most purchases")
    members: int
    net_spend_fen: int


class RfHeatmap(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "bins": 5,
                    "members": 860,
                    "cells": [{"r": 5, "f": 5, "members": 41, "net_spend_fen": 9_812_000}],
                    "as_of": _AS_OF,
                }
            ]
        }
    )

    bins: int
    members: int = Field(description="Members with a counted purchase")
    cells: list[RfCell] = Field(description="All bins × bins cells, best first; empty ones 0")
    as_of: datetime


class ClvBin(BaseModel):
    low_fen: int = Field(description="Lower edge (included), fen")
    high_fen: int = Field(description="Upper edge (excluded but for the last bin), fen")
    members: int
    mean_p_alive: float | None = Field(description="Mean P(alive) of its members")


class ClvDistribution(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "fit_id": "3f0e2a4c-5b6d-4e7f-8a9b-0c1d2e3f4a5b",
                    "calibration_end": "2026-06-30",
                    "time_unit": "week",
                    "horizon": 52,
                    "annual_discount_rate": 0.1,
                    "members": 2357,
                    "undefined": 0,
                    "total_clv_fen": 8_740_000,
                    "mean_clv_fen": 3708,
                    "median_clv_fen": 1520,
                    "bins": [
                        {"low_fen": 0, "high_fen": 2000, "members": 1410, "mean_p_alive": 0.41}
                    ],
                    "as_of": _AS_OF,
                }
            ]
        }
    )

    fit_id: uuid.UUID
    calibration_end: date
    time_unit: TimeUnit
    horizon: int = Field(description="Time units ahead")
    annual_discount_rate: float
    members: int = Field(description="Members of the fit with a finite value")
    undefined: int = Field(description="Members whose estimates give no finite value")
    total_clv_fen: int
    mean_clv_fen: int
    median_clv_fen: int
    bins: list[ClvBin] = Field(description="Equal-width bins of CLV from 0 to the greatest")
    as_of: datetime


class LiftWindow(BaseModel):
    window: Literal["before", "during", "after"]
    first_day: date
    last_day: date = Field(description="Included")
    purchases: int
    net_sales_fen: int
    sales_lift: float | None = Field(
        description="net_sales_fen / before's − 1; null for before and without sales before"
    )


class CampaignLift(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "first_day": "2026-11-01",
                    "last_day": "2026-11-07",
                    "participants": 120,
                    "windows": [
                        {
                            "window": "during",
                            "first_day": "2026-11-01",
                            "last_day": "2026-11-07",
                            "purchases": 150,
                            "net_sales_fen": 2_160_000,
                            "sales_lift": 0.8,
                        }
                    ],
                    "complete": True,
                    "as_of": _AS_OF,
                }
            ]
        }
    )

    first_day: date = Field(description="The campaign's first day")
    last_day: date = Field(description="The campaign's last day (included)")
    participants: int = Field(description="Members with a counted purchase during it")
    windows: list[LiftWindow] = Field(description="before, during, after: equal lengths")
    complete: bool = Field(description="False while the after window has not ended")
    as_of: datetime
