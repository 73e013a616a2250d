"""How a report is answered: one scheme for every report. ``format=json`` (the default:
the data), ``csv`` (the report's table), ``vl`` (a Vega-Lite v5 spec with the data
inlined, for a web frontend, ``application/vnd.vegalite.v5+json``), ``svg`` or ``png``
(the same spec drawn, ``width`` × ``height`` pixels). Without ``format``, an ``Accept``
naming ``text/csv``, ``application/vnd.vegalite.v5+json``, ``image/png`` or
``image/svg+xml`` picks that one (in that order); anything else is JSON."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from services.analytics.reports import charts, render, service
from services.analytics.reports.schemas import Format
from shared.csvtext import CSV_MEDIA_TYPE, csv_response

VEGA_LITE = "application/vnd.vegalite.v5+json"
_BY_ACCEPT: tuple[tuple[str, Format], ...] = (
    (CSV_MEDIA_TYPE, "csv"),
    (VEGA_LITE, "vl"),
    ("image/png", "png"),
    ("image/svg+xml", "svg"),
)
R = TypeVar("R", bound=BaseModel)


def openapi_formats(csv_example: str) -> dict[int | str, dict[str, object]]:
    """The OpenAPI of a report's 200 in its other formats, with examples."""
    return {
        200: {
            "content": {
                CSV_MEDIA_TYPE: {"example": csv_example},
                VEGA_LITE: {
                    "example": {
                        "$schema": charts.SCHEMA,
                        "width": 800,
                        "height": 450,
                        "data": {"values": ["…"]},
                        "mark": "bar",
                    }
                },
                "image/svg+xml": {"schema": {"type": "string"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
            }
        }
    }


def chosen(accept: str, output: Format | None) -> Format:
    """The format asked: ``format`` when given, else the first ``Accept`` names, else json."""
    if output is not None:
        return output
    return next((found for media, found in _BY_ACCEPT if media in accept), "json")


async def answer(
    request: Request,
    output: Format | None,
    name: str,
    report: R,
    table: tuple[Sequence[BaseModel], type[BaseModel]],
    spec: Callable[[R], charts.Spec],
) -> R | Response:
    """``report`` as asked: itself (JSON), ``table`` (its rows and their model) as CSV
    ``<name>.csv``, or ``spec`` of it as Vega-Lite, SVG or PNG."""
    asked = chosen(request.headers.get("accept", ""), output)
    if asked == "json":
        return report
    if asked == "csv":
        return csv_response(service.rows_csv(*table), name)
    drawn = spec(report)
    if asked == "vl":
        return JSONResponse(drawn, media_type=VEGA_LITE)
    disposition = {"Content-Disposition": f'inline; filename="{name}.{asked}"'}
    if asked == "svg":
        return Response(await render.svg(drawn), media_type="image/svg+xml", headers=disposition)
    return Response(await render.png(drawn), media_type="image/png", headers=disposition)


Output = Annotated[
    Format | None,
    Query(
        alias="format",
        description="json (the data), csv (its table), vl (a Vega-Lite v5 spec, data "
        "inlined), svg or png (the chart drawn)",
    ),
]
Width = Annotated[int, Query(ge=200, le=2000, description="Chart width, px (svg, png, vl)")]
Height = Annotated[int, Query(ge=150, le=1500, description="Chart height, px (svg, png, vl)")]


@dataclass(frozen=True)
class Presentation:
    """How a report is asked for: the format (``format=`` or ``Accept``) and the chart's
    size in pixels."""

    request: Request
    output: Format | None
    size: charts.Size

    async def answer(
        self,
        name: str,
        report: R,
        table: tuple[Sequence[BaseModel], type[BaseModel]],
        spec: Callable[[R], charts.Spec],
    ) -> R | Response:
        """See :func:`answer`."""
        return await answer(self.request, self.output, name, report, table, spec)


def presentation(
    request: Request, output: Output = None, width: Width = 800, height: Height = 450
) -> Presentation:
    """The dependency every report route takes for its format and size."""
    return Presentation(request, output, charts.Size(width, height))
