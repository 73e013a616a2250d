"""``/journeys``: marketing sets the journeys, staff read them and their runs; a bad field
or parameter is a 422 naming it and changes nothing; a run is made due once."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest

from huiyuan.embedded.ports import free_port
from shared.db import Sessions, transaction
from shared.inbox import Handlers
from tests.messaging import events as member_events
from tests.messaging.journeys import events
from tests.stack import Stack, eventually, running, staff_headers

MARKETING = staff_headers("marketing")
SERVICE = staff_headers("service")
SETTINGS: dict[str, Any] = {
    "send_at": "09:30",
    "first_purchase_welcome": {"enabled": True, "after_days": 8, "until_days": 14},
    "birthday": {"enabled": True},
    "holiday": {"enabled": False, "holidays": ["spring_festival", "mid_autumn"]},
    "win_back": {"enabled": True, "after_days": 120, "expires_days": 10},
}


@pytest.fixture(scope="module")
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    app = stack.app(
        "messaging", smtp_port=free_port(), sms_gateway_url=f"http://127.0.0.1:{free_port()}"
    )
    async with running(app) as client:
        yield client


async def test_the_defaults_then_marketing_sets_them_and_the_same_again_keeps_the_version(
    client: httpx.AsyncClient,
) -> None:
    before = (await client.get("/journeys", headers=SERVICE)).json()
    assert before["version"] == 0
    assert before["send_at"] == "10:00"
    assert before["first_purchase_welcome"] == {"enabled": True, "after_days": 7, "until_days": 15}
    assert before["win_back"]["after_days"] == 90
    assert "spring_festival" in before["holiday"]["holidays"]
    assert {j["template"] for j in before["event_driven"]} >= {"points_expiring", "ticket_survey"}

    answer = await client.put("/journeys", json=SETTINGS, headers=MARKETING)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert {k: body[k] for k in SETTINGS} == SETTINGS
    assert (body["version"], body["updated_by"]) == (1, "test-marketing")
    again = await client.put("/journeys", json=SETTINGS, headers=MARKETING)
    assert again.json()["version"] == 1
    assert (await client.put("/journeys", json=SETTINGS, headers=SERVICE)).status_code == 403
    analyst = staff_headers("analyst")
    assert (await client.get("/journeys", headers=analyst)).status_code == 200
    assert (await client.put("/journeys", json=SETTINGS, headers=analyst)).status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"send_at": "10:00:30"}, "send_at"),
        ({"send_at": "25:00"}, "send_at"),
        (
            {"first_purchase_welcome": {"enabled": True, "after_days": 9, "until_days": 8}},
            "first_purchase_welcome.until_days",
        ),
        (
            {"first_purchase_welcome": {"enabled": True, "after_days": 0, "until_days": 8}},
            "first_purchase_welcome.after_days",
        ),
        (
            {"first_purchase_welcome": {"enabled": True, "after_days": "7", "until_days": 15}},
            "first_purchase_welcome.after_days",
        ),
        ({"holiday": {"enabled": True, "holidays": ["christmas"]}}, "holiday.holidays.0"),
        (
            {"holiday": {"enabled": True, "holidays": ["mid_autumn", "mid_autumn"]}},
            "holiday.holidays",
        ),
        (
            {"win_back": {"enabled": True, "after_days": 366, "expires_days": 1}},
            "win_back.after_days",
        ),
        ({"birthday": {"enabled": True, "coupon": "yes"}}, "birthday.coupon"),
        ({"birthday": None}, "birthday"),
        ({"surprise": 1}, "surprise"),
    ],
)
async def test_a_bad_field_is_a_422_naming_it_and_changes_nothing(
    client: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    before = (await client.get("/journeys", headers=MARKETING)).json()
    answer = await client.put("/journeys", json=SETTINGS | change, headers=MARKETING)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"][0]["location"] == f"body.{field}"
    assert (await client.get("/journeys", headers=MARKETING)).json() == before


@pytest.mark.parametrize(
    ("query", "location"),
    [
        ({"journey": "anniversary"}, "query.journey"),
        ({"state": "sent"}, "query.state"),
        ({"member_id": "42"}, "query.member_id"),
        ({"limit": "0"}, "query.limit"),
        ({"cursor": "not-a-cursor"}, "query.cursor"),
    ],
)
async def test_a_bad_filter_of_the_runs_is_a_422_naming_it(
    client: httpx.AsyncClient, query: dict[str, str], location: str
) -> None:
    answer = await client.get("/journeys/runs", params=query, headers=SERVICE)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"][0]["location"] == location


async def test_staff_see_a_members_runs_and_make_one_due_once(
    client: httpx.AsyncClient, messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = uuid.uuid4()
    registered = await events.registered(
        member_id, member_events.phone(), birthday=date(1992, 7, 9)
    )
    async with transaction(messaging_sessions) as session:
        await handlers[registered.type](session, registered)

    page = await client.get(
        "/journeys/runs",
        params={"member_id": str(member_id), "journey": "birthday", "state": "scheduled"},
        headers=SERVICE,
    )
    assert page.status_code == 200, page.text
    [run] = page.json()["items"]
    assert (run["journey"], run["state"], run["context"]) == ("birthday", "scheduled", {})
    assert page.json()["next_cursor"] is None

    missing = await client.post(f"/journeys/runs/{uuid.uuid4()}/due", headers=MARKETING)
    assert missing.status_code == 404
    assert missing.json()["type"] == "urn:huiyuan:problem:journey-run-not-found"
    refused = await client.post(f"/journeys/runs/{run['id']}/due", headers=SERVICE)
    assert refused.status_code == 403
    due = await client.post(f"/journeys/runs/{run['id']}/due", headers=MARKETING)
    assert due.status_code == 200, due.text
    assert due.json()["due_at"] < run["due_at"]

    async def notified() -> bool:
        listed = await client.get(
            "/journeys/runs",
            params={"member_id": str(member_id), "state": "notified"},
            headers=SERVICE,
        )
        return [r["id"] for r in listed.json()["items"]] == [run["id"]]

    # the app's journey worker runs it at its next poll
    await eventually(notified, timeout=20, interval=0.2)
    again = await client.post(f"/journeys/runs/{run['id']}/due", headers=MARKETING)
    assert again.status_code == 409
    assert again.json()["type"] == "urn:huiyuan:problem:journey-run-done"


async def test_the_runs_come_a_page_at_a_time(
    client: httpx.AsyncClient, messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = uuid.uuid4()
    # imported with a birthday: a birthday greeting scheduled, the welcome skipped
    registered = await events.registered(
        member_id, member_events.phone(), birthday=date(1992, 7, 9)
    )
    async with transaction(messaging_sessions) as session:
        await handlers[registered.type](session, registered)
    seen, cursor = [], None
    for _ in range(3):
        params = {"member_id": str(member_id), "limit": "1"} | (
            {"cursor": cursor} if cursor else {}
        )
        page = (await client.get("/journeys/runs", params=params, headers=SERVICE)).json()
        seen += [(run["journey"], run["state"]) for run in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == [("birthday", "scheduled"), ("first_purchase_welcome", "skipped")]
    skipped = await client.get(
        "/journeys/runs", params={"member_id": str(member_id), "state": "skipped"}, headers=SERVICE
    )
    [run] = skipped.json()["items"]
    assert run["reason"] == "an existing customer: imported, or a member before journeys"
