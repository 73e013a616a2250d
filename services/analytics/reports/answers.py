"""How a report is answered: one scheme for every report. ``format=json`` (the default:
the data), ``csv`` (the report's table), ``vl`` (a Vega-Lite v5 spec with the data
inlined, for a web frontend, ``application/vnd.vegalite.v5+json``), ``svg`` or ``png``
(the same spec drawn, ``width`` × ``height`` pixels). Without ``format``, an ``Accept``
naming ``text/csv``, ``application/vnd.vegalite.v5+json``, ``image/png`` or
``image/svg+xml`` picks that one (in that order); anything else is JSON."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from fastapi import Request, Response
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
