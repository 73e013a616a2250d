"""The saved segments over HTTP: who may use them, create → run → members (CSV too) with
the app's own refresher, and bad criteria refused naming the field."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from shared.db import Sessions
from shared.pagination import NOT_A_CURSOR
from tests.analytics import events
from tests.analytics.conftest import ANALYST, PROBLEM, Feed, apply
from tests.stack import (
    Stack,
    eventually,
    every_item,
    member_headers,
    running,
    staff_headers,
)


@pytest.fixture(scope="module")
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with running(stack.app("analytics", segment_poll_seconds=0.1)) as client:
        yield client


async def test_staff_only(client: httpx.AsyncClient) -> None:
    assert (await client.get("/segments", headers=staff_headers("marketing"))).status_code == 200
    assert (await client.get("/segments", headers=member_headers(uuid.uuid4()))).status_code == 403
    assert (await client.get("/segments")).status_code == 401


async def test_define_refresh_and_list_the_members(
    client: httpx.AsyncClient, analytics_sessions: Sessions, handlers: Feed
) -> None:
    big = uuid.uuid4()
    # a spend no other test's member has, so the segment holds exactly this one (a range:
    # other modules' members may have spent more)
    await apply(analytics_sessions, handlers, events.purchase(big, 9_876_543_210))
    exactly = {"min": 9_876_543_210, "max": 9_876_543_210}
    body = {"name": "超级大客户", "criterion": {"net_spend_fen": exactly}}
    created = await client.post("/segments", json=body, headers=ANALYST)
    assert created.status_code == 201, created.text
    segment = created.json()
    assert created.headers["location"] == f"/segments/{segment['id']}"

    async def refreshed() -> Any:
        found = (await client.get(f"/segments/{segment['id']}", headers=ANALYST)).json()
        return found if found["sequence"] >= 1 else None

    assert (await eventually(refreshed))["members"] == 1

    refresh = await client.post(f"/segments/{segment['id']}/refresh", headers=ANALYST)
    assert refresh.status_code == 202
    run_path = refresh.headers["location"]

    async def done() -> Any:
        run = (await client.get(run_path, headers=ANALYST)).json()
        return run if run["state"] == "done" else None

    run = await eventually(done)
    assert (run["sequence"], run["members"], run["added"], run["removed"]) == (2, 1, 0, 0)

    page = await client.get(f"/segments/{segment['id']}/members", headers=ANALYST)
    assert [m["member_id"] for m in page.json()["items"]] == [str(big)]
    as_csv = await client.get(f"/segments/{segment['id']}/members?format=csv", headers=ANALYST)
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows == [
        ["member_id", "purchases", "net_spend_fen", "last_purchase_at"],
        [str(big), "1", "9876543210", rows[1][3]],
    ]

    changed = await client.put(
        f"/segments/{segment['id']}",
        json=body | {"name": "超级大客户 II", "refresh_every_hours": 2},
        headers=ANALYST,
    )
    assert changed.json()["name"] == "超级大客户 II"
    listed = await every_item(client, "/segments", ANALYST)
    assert segment["id"] in {s["id"] for s in listed}

    deleted = await client.delete(f"/segments/{segment['id']}", headers=ANALYST)
    assert deleted.json() == {"id": segment["id"]}
    gone = await client.get(f"/segments/{segment['id']}", headers=ANALYST)
    assert (gone.status_code, gone.json()["type"]) == (404, "urn:huiyuan:problem:segment-not-found")
    assert (await client.get(run_path, headers=ANALYST)).status_code == 404


async def test_a_retried_save_makes_one_segment(client: httpx.AsyncClient) -> None:
    name = f"retried-{uuid.uuid4().hex[:8]}"
    body = {"name": name, "criterion": {"purchases": {"min": 1}}}
    key = {"Idempotency-Key": f"seg-{uuid.uuid4()}"}
    first = await client.post("/segments", json=body, headers=ANALYST | key)
    again = await client.post("/segments", json=body, headers=ANALYST | key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    listed = await every_item(client, "/segments", ANALYST)
    assert [s["name"] for s in listed].count(name) == 1


@pytest.mark.parametrize(
    ("criterion", "location"),
    [
        ({}, ["body", "criterion"]),
        ({"rfm": None}, ["body", "criterion"]),
        ({"rfm": {"bins": 3, "r": [4]}}, ["body", "criterion", "rfm"]),
        ({"rfm": {"bins": 5}}, ["body", "criterion", "rfm"]),
        ({"rfm": {"r": [0]}}, ["body", "criterion", "rfm", "r", "0"]),
        ({"quadrants": ["diamond"]}, ["body", "criterion", "quadrants", "0"]),
        ({"churn_risk": {"kind": "p_alive", "parameter": 2}}, ["body", "criterion", "churn_risk"]),
        ({"churn_risk": {"kind": "hunch"}}, ["body", "criterion", "churn_risk", "kind"]),
        ({"net_spend_fen": {"min": 5, "max": 4}}, ["body", "criterion", "net_spend_fen"]),
        ({"purchases": {}}, ["body", "criterion", "purchases"]),
        (
            {
                "last_purchase": {
                    "from": "2026-06-01T00:00:00+08:00",
                    "until": "2026-01-01T00:00:00+08:00",
                }
            },
            ["body", "criterion", "last_purchase"],
        ),
        ({"tiers": ["VIP!"]}, ["body", "criterion", "tiers", "0"]),
        ({"clv": {"min": 9, "max": 1}}, ["body", "criterion", "clv"]),
        ({"clv": {"min": 1, "horizon": 0}}, ["body", "criterion", "clv", "horizon"]),
        (
            {"clv": {"max": 1, "annual_discount_rate": 2}},
            ["body", "criterion", "clv", "annual_discount_rate"],
        ),
        ({"colour": "red"}, ["body", "criterion", "colour"]),
    ],
)
async def test_bad_criteria_are_refused_naming_the_field(
    client: httpx.AsyncClient, criterion: dict[str, Any], location: list[str]
) -> None:
    response = await client.post(
        "/segments", json={"name": "坏的", "criterion": criterion}, headers=ANALYST
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    locations = [error["location"] for error in response.json()["errors"]]
    assert ".".join(location) in locations, locations


async def test_unknown_segment_and_run(client: httpx.AsyncClient) -> None:
    missing = uuid.uuid4()
    for method, path in (
        ("GET", f"/segments/{missing}"),
        ("DELETE", f"/segments/{missing}"),
        ("POST", f"/segments/{missing}/refresh"),
        ("GET", f"/segments/{missing}/members"),
    ):
        response = await client.request(method, path, headers=ANALYST)
        assert response.status_code == 404, (method, path)
        assert response.json()["type"] == "urn:huiyuan:problem:segment-not-found"
    run = await client.get(f"/segments/{missing}/runs/{uuid.uuid4()}", headers=ANALYST)
    assert run.json()["type"] == "urn:huiyuan:problem:segment-run-not-found"


# fixed values: every xdist worker must collect the same test ids
_SOME_ID = "5d0e6f0a-3b1c-4c2d-9e8f-7a6b5c4d3e2f"


@pytest.mark.parametrize("path", [f"/segments/{_SOME_ID}/members", "/segmentation/members"])
@pytest.mark.parametrize("cursor", ["abc", _SOME_ID.upper(), f"{{{_SOME_ID}}}"])
async def test_a_member_list_refuses_a_bad_cursor_as_every_list_does(
    client: httpx.AsyncClient, path: str, cursor: str
) -> None:
    """As ``GET /segments`` (a cursor of another kind) answers: a 422 naming
    ``query.cursor``, saying what is checked."""
    answers = [
        await client.get(where, params={"cursor": cursor}, headers=ANALYST)
        for where in (path, "/segments")
    ]
    assert [answer.status_code for answer in answers] == [422, 422]
    assert answers[0].json()["errors"] == answers[1].json()["errors"]
    (error,) = answers[0].json()["errors"]
    assert error["location"] == "query.cursor"
    assert error["message"] == NOT_A_CURSOR
