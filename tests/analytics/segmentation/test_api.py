"""The segmentation endpoints over HTTP: who may read them, CSV, and refusals naming the
parameter. (Their figures are counted by hand in ``test_service.py``, on a database of
their own.)"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from shared.db import Sessions
from tests.analytics import events
from tests.analytics.conftest import ANALYST, PROBLEM, Feed, apply
from tests.stack import member_headers, staff_headers

CHURN = "churn-parameter-invalid"
REPORTS = ("rfm", "quadrants", "pareto", "sleeping", "churn-warnings", "members")


@pytest.mark.parametrize("report", REPORTS)
async def test_staff_read_and_members_may_not(client: httpx.AsyncClient, report: str) -> None:
    path = f"/segmentation/{report}"
    assert (await client.get(path, headers=ANALYST)).status_code == 200
    assert (await client.get(path, headers=staff_headers("marketing"))).status_code == 200
    assert (await client.get(path, headers=member_headers(uuid.uuid4()))).status_code == 403
    assert (await client.get(path)).status_code == 401


@pytest.mark.parametrize(
    ("report", "header"),
    [
        ("rfm", "r,f,m,members,net_spend_fen"),
        (
            "quadrants",
            "quadrant,name,high_value,high_repeat,members,member_share,net_spend_fen,"
            "net_spend_share,purchases",
        ),
        ("pareto", "members_percent,members,net_spend_fen,share"),
        (
            "members",
            "member_id,recency_days,frequency,monetary_fen,r,f,m,rfm,quadrant,sleeping,churn_risk",
        ),
        ("sleeping", "months,since,members,sleeping,share,as_of"),
        ("churn-warnings", "criterion,parameter,value,definition,members,at_risk,share,as_of"),
    ],
)
async def test_csv_answers(client: httpx.AsyncClient, report: str, header: str) -> None:
    response = await client.get(f"/segmentation/{report}?format=csv", headers=ANALYST)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.text.split("\r\n", 1)[0] == header
    by_accept = await client.get(
        f"/segmentation/{report}", headers=ANALYST | {"Accept": "text/csv"}
    )
    assert by_accept.text.split("\r\n", 1)[0] == header


async def test_a_member_is_found_with_their_flags(
    client: httpx.AsyncClient, analytics_sessions: Sessions, handlers: Feed
) -> None:
    """Sleeping and the churn warning depend on the member alone, so they hold whoever
    else the shared stack has: bought 300 and 320 days ago, 20 days apart."""
    member = uuid.uuid4()
    now = datetime.now(UTC)
    await apply(
        analytics_sessions,
        handlers,
        events.purchase(member, 3_000, at=now - timedelta(days=300)),
        events.purchase(member, 3_000, at=now - timedelta(days=320)),
    )
    found = []
    cursor: str | None = None
    while True:
        params = {"sleeping": "true", "churn_risk": "true", "limit": "200", "format": "csv"}
        response = await client.get(
            "/segmentation/members",
            params=params | ({"cursor": cursor} if cursor else {}),
            headers=ANALYST,
        )
        rows = list(csv.DictReader(io.StringIO(response.text)))
        found += [row for row in rows if row["member_id"] == str(member)]
        if len(rows) < 200:
            break
        cursor = rows[-1]["member_id"]
    assert [(row["frequency"], row["monetary_fen"]) for row in found] == [("2", "6000")]
    assert (found[0]["sleeping"], found[0]["churn_risk"]) == ("true", "true")


@pytest.mark.parametrize(
    ("path", "location", "kind"),
    [
        ("/segmentation/members?bins=3&r=4", "query.r", "score-out-of-range"),
        ("/segmentation/members?m=6", "query.m", "score-out-of-range"),
        ("/segmentation/members?f=11", "query.f", "invalid-request"),
        (
            "/segmentation/churn-warnings?churn_parameter=0.5",
            "query.churn_parameter",
            "churn-parameter-invalid",
        ),
        (
            "/segmentation/members?churn_parameter=1000",
            "query.churn_parameter",
            "churn-parameter-invalid",
        ),
        ("/segmentation/churn-warnings?churn=hunch", "query.churn", "invalid-request"),
        (
            "/segmentation/churn-warnings?churn=p_alive&churn_parameter=2",
            "query.churn_parameter",
            "churn-parameter-invalid",
        ),
        ("/segmentation/rfm?bins=1", "query.bins", "invalid-request"),
        ("/segmentation/rfm?bins=11", "query.bins", "invalid-request"),
        ("/segmentation/quadrants?value_cut_fen=-1", "query.value_cut_fen", "invalid-request"),
        ("/segmentation/pareto?top=0", "query.top", "invalid-request"),
        ("/segmentation/pareto?step=51", "query.step", "invalid-request"),
        ("/segmentation/sleeping?months=0", "query.months", "invalid-request"),
        ("/segmentation/members?cursor=abc", "query.cursor", "invalid-request"),
        ("/segmentation/members?quadrant=silver", "query.quadrant", "invalid-request"),
        ("/segmentation/members?limit=201", "query.limit", "invalid-request"),
        ("/segmentation/quadrants?value_cut_fen=nan", "query.value_cut_fen", "invalid-request"),
        ("/segmentation/quadrants?repeat_cut=inf", "query.repeat_cut", "invalid-request"),
        ("/segmentation/pareto?top=nan", "query.top", "invalid-request"),
        (
            "/segmentation/churn-warnings?churn_parameter=nan",
            "query.churn_parameter",
            "invalid-request",
        ),
    ],
)
async def test_bad_queries_name_the_parameter(
    client: httpx.AsyncClient, path: str, location: str, kind: str
) -> None:
    response = await client.get(path, headers=ANALYST)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"].endswith(kind)
    assert location in [error["location"] for error in problem["errors"]]
