"""The reports over HTTP: each format of each report (the Vega-Lite spec checked against
the Vega-Lite v5 JSON schema Altair ships, the PNG's size read from its header, the SVG
parsed as XML), the choice by ``Accept``, who may read them and refusals naming the
parameter. (Their figures are counted by hand in ``test_service.py``.)"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import httpx
import pytest

from shared.db import create_engine, create_sessions
from tests.analytics import events
from tests.analytics.conftest import ANALYST, PROBLEM, apply
from tests.analytics.reports.vegalite import png_size, vega_lite_schema
from tests.stack import Stack, member_headers, staff_headers

TODAY = datetime.now(UTC).date()
REPORTS = {
    "revenue": "interval=week",
    "members": "interval=day",
    "retention": "months=6",
    "pareto": "step=10",
    "quadrants": "points=200",
    "rfm": "measure=net_spend",
    "campaign-lift": f"from={TODAY - timedelta(days=20)}&to={TODAY - timedelta(days=10)}",
}


@pytest.fixture(scope="module", autouse=True)
async def some_sales(stack: Stack) -> AsyncIterator[None]:
    """A few purchases in the stack's database, so every chart has marks to draw."""
    engine = create_engine(stack.settings("analytics"))
    now = datetime.now(UTC)
    try:
        await apply(
            create_sessions(engine),
            stack.handlers("analytics"),
            *(
                events.purchase(uuid.uuid4(), 1_000 * (i + 1), at=now - timedelta(days=15 + 40 * i))
                for i in range(3)
            ),
        )
        yield
    finally:
        await engine.dispose()


@pytest.mark.parametrize("report", REPORTS)
async def test_each_format_of_each_report(client: httpx.AsyncClient, report: str) -> None:
    path = f"/reports/{report}?{REPORTS[report]}"
    data = await client.get(path, headers=ANALYST)
    assert data.status_code == 200, data.text
    assert data.headers["content-type"] == "application/json"

    table = await client.get(f"{path}&format=csv", headers=ANALYST)
    assert table.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(table.text)))
    assert len(rows[0]) >= 4
    assert all(len(row) == len(rows[0]) for row in rows)

    spec = await client.get(f"{path}&format=vl&width=640&height=360", headers=ANALYST)
    assert spec.headers["content-type"] == "application/vnd.vegalite.v5+json"
    drawn = spec.json()
    errors = sorted(vega_lite_schema().iter_errors(drawn), key=str)
    assert not errors, errors[0].message if errors else ""
    assert (drawn["width"], drawn["height"]) == (640, 360)
    assert drawn["data"]["values"], "the data are inlined"

    png = await client.get(f"{path}&format=png&width=640&height=360", headers=ANALYST)
    assert png.headers["content-type"] == "image/png"
    assert png_size(png.content) == (640, 360)

    svg = await client.get(f"{path}&format=svg&width=500&height=300", headers=ANALYST)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    root = ElementTree.fromstring(svg.text)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert (root.get("width"), root.get("height")) == ("500", "300")


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("text/csv", "text/csv; charset=utf-8"),
        ("application/vnd.vegalite.v5+json", "application/vnd.vegalite.v5+json"),
        ("image/png", "image/png"),
        ("image/svg+xml", "image/svg+xml"),
        ("*/*", "application/json"),
    ],
)
async def test_accept_picks_the_format(client: httpx.AsyncClient, accept: str, media: str) -> None:
    response = await client.get("/reports/rfm", headers=ANALYST | {"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)


async def test_format_wins_over_accept(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/reports/pareto?format=csv", headers=ANALYST | {"Accept": "image/png"}
    )
    assert response.text.startswith("members_percent,members,net_spend_fen,share\r\n")


@pytest.mark.parametrize("report", [*REPORTS, "clv"])
async def test_staff_read_and_members_may_not(client: httpx.AsyncClient, report: str) -> None:
    path = f"/reports/{report}?{REPORTS.get(report, '')}"
    assert (await client.get(path, headers=member_headers(uuid.uuid4()))).status_code == 403
    assert (await client.get(path)).status_code == 401
    assert (await client.get(path, headers=staff_headers("marketing"))).status_code in (200, 404)


@pytest.mark.parametrize(
    ("path", "location", "kind"),
    [
        ("/reports/revenue?format=gif", "query.format", "invalid-request"),
        ("/reports/rfm?width=50", "query.width", "invalid-request"),
        ("/reports/pareto?height=99999", "query.height", "invalid-request"),
        ("/reports/members?interval=year", "query.interval", "invalid-request"),
        ("/reports/retention?months=0", "query.months", "invalid-request"),
        ("/reports/quadrants?points=100000", "query.points", "invalid-request"),
        ("/reports/campaign-lift?to=2026-11-07", "query.from", "invalid-request"),
        ("/reports/clv?fit_id=nope", "query.fit_id", "invalid-request"),
        ("/reports/clv?annual_discount_rate=nan", "query.annual_discount_rate", "invalid-request"),
        ("/reports/clv?bins=1", "query.bins", "invalid-request"),
        (
            "/reports/revenue?from=2026-11-02&to=2026-11-01",
            "query.to",
            "report-range-invalid",
        ),
        (
            "/reports/revenue?from=2025-01-01&to=2026-11-01&interval=day",
            "query.from",
            "report-range-invalid",
        ),
        (
            "/reports/campaign-lift?from=2026-11-07&to=2026-11-01",
            "query.to",
            "report-range-invalid",
        ),
        (
            "/reports/clv?fit_id=0d3c8a6e-2f4b-4c1d-9e8f-7a6b5c4d3e2f",
            "query.fit_id",
            "clv-fit-not-found",
        ),
    ],
)
async def test_bad_parameters_are_refused_naming_them(
    client: httpx.AsyncClient, path: str, location: str, kind: str
) -> None:
    response = await client.get(path, headers=ANALYST)
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"].endswith(kind)
    assert location in [error["location"] for error in problem["errors"]]
