"""The reports as Vega-Lite v5 specs, plain dicts with the data inlined (``data.values``),
pure: a web frontend renders them with vega-embed, and :mod:`.render` draws the same spec
as SVG or PNG. Sizes are the whole chart's in pixels (``autosize: fit`` with padding), so a
PNG at scale 1 is exactly ``width`` × ``height``. Money is shown in yuan (fen / 100, by a
``calculate`` transform: the data stay in fen). Titles are English: the renderer has no
CJK font here, and Chinese names would draw as boxes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.analytics.reports.schemas import (
    CampaignLift,
    ClvDistribution,
    MembersReport,
    QuadrantScatter,
    RetentionReport,
    RevenueReport,
    RfHeatmap,
)
from services.analytics.segmentation.schemas import ParetoReport

Spec = dict[str, Any]
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.20.1.json"
VEGA_LITE_VERSION = "5.20"
"""The Vega-Lite the renderer draws with (the schema's minor version)."""
QUADRANT_COLOURS = {"gold": "#d4a017", "meteor": "#e4572e", "brook": "#3a86ff", "burden": "#8d99ae"}


@dataclass(frozen=True)
class Size:
    """The whole chart's width and height in pixels."""

    width: int
    height: int


def _chart(title: str, rows: list[dict[str, Any]], size: Size, body: Spec) -> Spec:
    return {
        "$schema": SCHEMA,
        "title": title,
        "width": size.width,
        "height": size.height,
        "autosize": {"type": "fit", "contains": "padding"},
        "background": "white",
        "data": {"values": rows},
        **body,
    }


def _period(interval: str) -> Spec:
    """A period axis: banded, one tick per period, in UTC (the dates are the brand's days
    already, so no viewer's timezone may shift them)."""
    return {
        "field": "period_start",
        "type": "ordinal",
        "timeUnit": "utcyearmonth" if interval == "month" else "utcyearmonthdate",
        "title": interval,
        "axis": {"labelOverlap": "greedy", "labelAngle": -45},
    }


def _yuan(field: str) -> Spec:
    return {"calculate": f"datum.{field}_fen / 100", "as": f"{field}_yuan"}


def revenue(report: RevenueReport, size: Size) -> Spec:
    """Net revenue per period (bars, yuan) with the purchases as a tooltip."""
    rows = [p.model_dump(mode="json") for p in report.periods]
    return _chart(
        f"Net revenue per {report.interval}, {report.first_day} to {report.last_day}",
        rows,
        size,
        {
            "transform": [_yuan("net_revenue")],
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {
                "x": _period(report.interval),
                "y": {
                    "field": "net_revenue_yuan",
                    "type": "quantitative",
                    "title": "net revenue (yuan)",
                },
                "tooltip": [
                    {"field": "period_start", "type": "temporal", "timeUnit": "utcyearmonthdate"},
                    {"field": "net_revenue_yuan", "type": "quantitative", "format": ",.2f"},
                    {"field": "purchases", "type": "quantitative"},
                    {"field": "buyers", "type": "quantitative"},
                ],
            },
        },
    )


def members(report: MembersReport, size: Size) -> Spec:
    """Registered members, new members and buyers per period, one line each."""
    rows = [p.model_dump(mode="json") for p in report.periods]
    return _chart(
        f"Members per {report.interval}, {report.first_day} to {report.last_day}",
        rows,
        size,
        {
            "transform": [
                {"fold": ["members", "new_members", "buyers"], "as": ["measure", "count"]}
            ],
            "mark": {"type": "line", "point": True, "tooltip": True},
            "encoding": {
                "x": _period(report.interval),
                "y": {"field": "count", "type": "quantitative", "title": "members"},
                "color": {"field": "measure", "type": "nominal", "title": None},
            },
        },
    )


def retention(report: RetentionReport, size: Size) -> Spec:
    """Cohorts (month of first purchase) × months since: a heatmap of retention."""
    rows = [c.model_dump(mode="json") for c in report.cells]
    cell = {
        "x": {
            "field": "months_since",
            "type": "ordinal",
            "title": "months since first purchase",
            "axis": {"labelAngle": 0},
        },
        "y": {
            "field": "cohort",
            "type": "ordinal",
            "timeUnit": "utcyearmonth",
            "title": "cohort (first purchase)",
        },
    }
    return _chart(
        "Cohort retention: share of each cohort buying again",
        rows,
        size,
        {
            "encoding": cell,
            "layer": [
                {
                    "mark": {"type": "rect", "tooltip": True},
                    "encoding": {
                        "color": {
                            "field": "retention",
                            "type": "quantitative",
                            "scale": {"domain": [0, 1], "scheme": "blues"},
                        }
                    },
                },
                {
                    "mark": {"type": "text", "fontSize": 10},
                    "encoding": {
                        "text": {"field": "retention", "type": "quantitative", "format": ".0%"},
                        "color": {
                            "condition": {"test": "datum.retention > 0.5", "value": "white"},
                            "value": "black",
                        },
                    },
                },
            ],
        },
    )


def pareto(report: ParetoReport, size: Size) -> Spec:
    """The share of net spend by the top % of members, from (0, 0), with a rule at the
    top percentage asked."""
    rows = [{"members_percent": 0, "members": 0, "net_spend_fen": 0, "share": 0.0}]
    rows += [p.model_dump(mode="json") for p in report.curve]
    return _chart(
        f"Pareto: the top {report.top_percent:g}% of members bring "
        f"{report.top_share:.0%} of net spend",
        rows,
        size,
        {
            "layer": [
                {
                    "mark": {"type": "line", "point": True, "tooltip": True},
                    "encoding": {
                        "x": {
                            "field": "members_percent",
                            "type": "quantitative",
                            "title": "top % of members by net spend",
                            "scale": {"domain": [0, 100]},
                        },
                        "y": {
                            "field": "share",
                            "type": "quantitative",
                            "title": "share of net spend",
                            "axis": {"format": "%"},
                            "scale": {"domain": [0, 1]},
                        },
                    },
                },
                {
                    "data": {"values": [{"top": report.top_percent}]},
                    "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#e4572e"},
                    "encoding": {"x": {"field": "top", "type": "quantitative"}},
                },
            ]
        },
    )


def quadrants(report: QuadrantScatter, size: Size) -> Spec:
    """Members by value per purchase (yuan) and purchases, coloured by quadrant, with the
    two cut points as rules."""
    rows = [p.model_dump(mode="json") for p in report.points]
    names = list(QUADRANT_COLOURS)
    return _chart(
        f"Value quadrants ({len(rows)} of {report.members} members)",
        rows,
        size,
        {
            "layer": [
                {
                    "transform": [_yuan("value_per_purchase"), _yuan("net_spend")],
                    "mark": {"type": "circle", "opacity": 0.6, "tooltip": True},
                    "encoding": {
                        "x": {
                            "field": "purchases",
                            "type": "quantitative",
                            "title": "purchases",
                        },
                        "y": {
                            "field": "value_per_purchase_yuan",
                            "type": "quantitative",
                            "title": "value per purchase (yuan)",
                        },
                        "color": {
                            "field": "quadrant",
                            "type": "nominal",
                            "scale": {
                                "domain": names,
                                "range": [QUADRANT_COLOURS[n] for n in names],
                            },
                        },
                    },
                },
                {
                    "data": {"values": [{"cut": report.repeat_cut}]},
                    "mark": {"type": "rule", "strokeDash": [4, 4]},
                    "encoding": {"x": {"field": "cut", "type": "quantitative"}},
                },
                {
                    "data": {"values": [{"cut": report.value_cut_fen / 100}]},
                    "mark": {"type": "rule", "strokeDash": [4, 4]},
                    "encoding": {"y": {"field": "cut", "type": "quantitative"}},
                },
            ]
        },
    )


def rfm(report: RfHeatmap, measure: str, size: Size) -> Spec:
    """Recency × frequency scores: a heatmap of ``measure`` (``members`` or
    ``net_spend``, in yuan) per cell, with the value written in it."""
    rows = [c.model_dump(mode="json") for c in report.cells]
    field = "members" if measure == "members" else "net_spend_yuan"
    value = {"field": field, "type": "quantitative"}
    return _chart(
        f"RFM: {'members' if measure == 'members' else 'net spend (yuan)'} per R × F cell",
        rows,
        size,
        {
            "transform": [_yuan("net_spend")],
            "encoding": {
                "x": {
                    "field": "f",
                    "type": "ordinal",
                    "title": "F (frequency score)",
                    "axis": {"labelAngle": 0},
                },
                "y": {
                    "field": "r",
                    "type": "ordinal",
                    "title": "R (recency score)",
                    "sort": "descending",
                },
            },
            "layer": [
                {
                    "mark": {"type": "rect", "tooltip": True},
                    "encoding": {"color": value | {"scale": {"scheme": "oranges"}}},
                },
                {
                    "mark": {"type": "text"},
                    "encoding": {"text": value | {"format": ",.0f"}},
                },
            ],
        },
    )


def clv(report: ClvDistribution, size: Size) -> Spec:
    """Members per CLV bin (yuan), from the fit's members."""
    rows = [b.model_dump(mode="json") for b in report.bins]
    return _chart(
        f"CLV over {report.horizon} {report.time_unit}s ({report.members} members)",
        rows,
        size,
        {
            "transform": [_yuan("low"), _yuan("high")],
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {
                "x": {
                    "field": "low_yuan",
                    "type": "quantitative",
                    "bin": {"binned": True},
                    "title": "CLV (yuan)",
                },
                "x2": {"field": "high_yuan"},
                "y": {"field": "members", "type": "quantitative", "title": "members"},
            },
        },
    )


def campaign_lift(report: CampaignLift, size: Size) -> Spec:
    """Net sales of the cohort before, during and after the campaign (bars, yuan), each
    labelled with its lift over before."""
    rows = [w.model_dump(mode="json") for w in report.windows]
    x = {
        "field": "window",
        "type": "nominal",
        "sort": None,
        "title": None,
        "axis": {"labelAngle": 0},
    }
    y = {"field": "net_sales_yuan", "type": "quantitative", "title": "net sales (yuan)"}
    return _chart(
        f"Campaign {report.first_day} to {report.last_day}: {report.participants} buyers",
        rows,
        size,
        {
            "transform": [
                _yuan("net_sales"),
                {
                    "calculate": "datum.sales_lift == null ? 'baseline' "
                    ": format(datum.sales_lift, '+.0%')",
                    "as": "lift",
                },
            ],
            "encoding": {"x": x, "y": y},
            "layer": [
                {"mark": {"type": "bar", "tooltip": True}},
                {
                    "mark": {"type": "text", "dy": -6},
                    "encoding": {"text": {"field": "lift", "type": "nominal"}},
                },
            ],
        },
    )
