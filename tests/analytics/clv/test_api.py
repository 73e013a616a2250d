"""``/clv/fits`` over HTTP with the app's own fitting worker: a fit requested, fitted in
its process and read back; a member valued with it; bad input refused naming the field."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import numpy as np
import pytest
from sqlalchemy import text

from services.analytics.clv import domain
from shared.db import Sessions
from tests.analytics.clv import history
from tests.analytics.conftest import ANALYST, PROBLEM, Feed
from tests.stack import Stack, eventually, running

PERIODS = history.Periods(date(1995, 1, 2))
TODAY = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture(scope="module")
async def clv_client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with running(stack.app("analytics", clv_poll_seconds=0.2)) as client:
        yield client


async def _fitted(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    answer = await client.post("/clv/fits", json=body, headers=ANALYST)
    assert answer.status_code == 202, answer.text
    assert answer.json()["state"] == "queued"
    location = answer.headers["location"]

    async def finished() -> dict[str, Any] | None:
        fit: dict[str, Any] = (await client.get(location, headers=ANALYST)).json()
        return fit if fit["state"] in ("done", "failed") else None

    result: dict[str, Any] = await eventually(finished, timeout=180)
    return result


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"calibration_end": TODAY.isoformat()}, "calibration_end"),
        ({"calibration_end": "2020-01-31", "holdout_end": "2020-01-31"}, "holdout_end"),
        ({"calibration_end": "2020-01-31", "holdout_end": TODAY.isoformat()}, "holdout_end"),
        ({"calibration_end": "2020-01-31", "time_unit": "month"}, "time_unit"),
        ({"calibration_end": "31/01/2020"}, "calibration_end"),
        ({}, "calibration_end"),
    ],
)
async def test_a_bad_fit_request_is_refused_naming_the_field(
    clv_client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    answer = await clv_client.post("/clv/fits", json=body, headers=ANALYST)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    assert f"body.{field}" in [error["location"] for error in answer.json()["errors"]]


async def test_a_retried_fit_request_queues_one_fit(
    clv_client: httpx.AsyncClient, analytics_sessions: Sessions
) -> None:
    key = {"Idempotency-Key": f"clv-{uuid.uuid4()}"}
    body = {"calibration_end": "1900-02-28", "time_unit": "week"}
    first = await clv_client.post("/clv/fits", json=body, headers=ANALYST | key)
    again = await clv_client.post("/clv/fits", json=body, headers=ANALYST | key)
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["location"] == first.headers["location"]
    async with analytics_sessions() as session:
        queued = await session.scalar(
            text("SELECT count(*) FROM analytics.clv_fits WHERE calibration_end = '1900-02-28'")
        )
    assert queued == 1
    other = await clv_client.post(
        "/clv/fits", json=body | {"time_unit": "day"}, headers=ANALYST | key
    )
    assert other.status_code == 422  # the same key for another request
    assert other.json()["type"].endswith("idempotency-key-reused")

    async def finished() -> bool:  # leave no queued fit for the next module's worker
        fit = (await clv_client.get(first.headers["location"], headers=ANALYST)).json()
        return bool(fit["state"] in ("done", "failed"))

    await eventually(finished, timeout=180)


async def test_an_unknown_fit_is_a_404_problem(clv_client: httpx.AsyncClient) -> None:
    answer = await clv_client.get(f"/clv/fits/{uuid.uuid4()}", headers=ANALYST)
    assert answer.status_code == 404
    assert answer.json()["type"] == "urn:huiyuan:problem:clv-fit-not-found"


async def test_a_fit_without_enough_members_fails_and_values_nobody(
    clv_client: httpx.AsyncClient,
) -> None:
    fit = await _fitted(clv_client, {"calibration_end": "1900-01-31", "time_unit": "day"})
    assert fit["state"] == "failed"
    assert fit["purchases"] is None
    answer = await clv_client.get(f"/clv/fits/{fit['id']}/members/{uuid.uuid4()}", headers=ANALYST)
    assert answer.status_code == 409
    assert answer.json()["type"] == "urn:huiyuan:problem:clv-fit-failed"


async def test_a_fit_and_a_members_value(
    clv_client: httpx.AsyncClient, analytics_sessions: Sessions, handlers: Feed
) -> None:
    histories = history.simulated(members=120, seed=5, periods=PERIODS)
    await history.load(analytics_sessions, handlers, histories)
    fit = await _fitted(
        clv_client,
        {
            "calibration_end": PERIODS.calibration_end.isoformat(),
            "time_unit": "week",
            "holdout_end": PERIODS.holdout_end.isoformat(),
        },
    )
    assert fit["state"] == "done", fit["failure"]
    found = await history.expected(analytics_sessions, PERIODS)
    assert found.members >= 120
    assert (fit["members"], fit["repeat_members"]) == (found.members, found.repeat_members)
    assert fit["holdout"]["actual"] == found.holdout_days
    assert fit["holdout"]["predicted"] > 0

    member_id, days = max(histories.items(), key=lambda item: len(item[1]))
    summary = domain.history(days, PERIODS.calibration_end)
    assert summary is not None
    assert summary.frequency > 0
    url = f"/clv/fits/{fit['id']}/members/{member_id}"
    value = (await clv_client.get(url, headers=ANALYST)).json()
    assert value["frequency"] == summary.frequency
    assert value["recency"] == pytest.approx(summary.recency_days / 7, abs=1e-4)
    assert value["age"] == pytest.approx(summary.age_days / 7, abs=1e-4)
    assert value["average_spend_fen"] == round(summary.monetary_fen)
    model = domain.BgNbd(**fit["purchases"])
    x, t_x, age = (np.array([v]) for v in (summary.frequency, value["recency"], value["age"]))
    assert value["p_alive"] == pytest.approx(model.p_alive(x, t_x, age)[0], abs=1e-3)
    assert value["expected_purchases"] == pytest.approx(
        model.expected_purchases(52, x, t_x, age)[0], rel=1e-3
    )
    spend = domain.GammaGamma(**fit["spend"])
    expected_spend = spend.expected_spend(x, np.array([summary.monetary_fen]))[0]
    assert value["expected_average_spend_fen"] == round(expected_spend)
    assert value["clv_fen"] > 0

    longer = (await clv_client.get(url, params={"horizon": 104}, headers=ANALYST)).json()
    dearer = (
        await clv_client.get(url, params={"annual_discount_rate": 0.5}, headers=ANALYST)
    ).json()
    assert longer["clv_fen"] > value["clv_fen"] > dearer["clv_fen"]

    stranger = await clv_client.get(
        f"/clv/fits/{fit['id']}/members/{uuid.uuid4()}", headers=ANALYST
    )
    assert stranger.status_code == 404
    assert stranger.json()["type"] == "urn:huiyuan:problem:clv-member-not-in-fit"
    refused = await clv_client.get(url, params={"horizon": 0}, headers=ANALYST)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == PROBLEM


async def test_the_fit_is_staff_only(clv_client: httpx.AsyncClient) -> None:
    answer = await clv_client.post(
        "/clv/fits", json={"calibration_end": (TODAY - timedelta(days=30)).isoformat()}
    )
    assert answer.status_code == 401


async def test_the_fits_are_listed_newest_first_in_pages_and_as_csv(
    clv_client: httpx.AsyncClient,
) -> None:
    asked = []
    for end in ("1900-02-28", "1900-03-31"):
        answer = await clv_client.post(
            "/clv/fits", json={"calibration_end": end, "time_unit": "day"}, headers=ANALYST
        )
        assert answer.status_code == 202
        asked.append(answer.json()["id"])
    first = await clv_client.get("/clv/fits", params={"limit": 1}, headers=ANALYST)
    assert first.status_code == 200
    page = first.json()
    assert [fit["id"] for fit in page["items"]] == [asked[1]]
    following = await clv_client.get(
        "/clv/fits", params={"limit": 1, "cursor": page["next_cursor"]}, headers=ANALYST
    )
    assert [fit["id"] for fit in following.json()["items"]] == [asked[0]]
    table = await clv_client.get("/clv/fits", params={"format": "csv"}, headers=ANALYST)
    assert table.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert [row["id"] for row in rows[:2]] == [asked[1], asked[0]]
    assert rows[1]["calibration_end"] == "1900-02-28"
    assert table.text.startswith("id,state,calibration_end,holdout_end,time_unit,")
    refused = await clv_client.get("/clv/fits", params={"cursor": "nope"}, headers=ANALYST)
    assert refused.status_code == 422
    assert "query.cursor" in [error["location"] for error in refused.json()["errors"]]
