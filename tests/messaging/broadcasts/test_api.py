"""The broadcasts API: a bulk send set up, given an uploaded list, started, followed and
reported over HTTP; bad input is a 4xx problem naming the field or the row."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from services.messaging.broadcasts.domain import REPORT_HEADER
from shared.db import Sessions
from shared.inbox import Handlers
from tests.messaging.broadcasts.people import Member, register
from tests.stack import eventually, staff_headers

PROBLEM = "application/problem+json"
MARKETING = staff_headers("marketing")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _key() -> dict[str, str]:
    return {**MARKETING, "Idempotency-Key": uuid.uuid4().hex}


def _body(members: list[Member], **changes: Any) -> dict[str, Any]:
    return {
        "name": "双十二会员专享",
        "audience": {"members": [str(m.id) for m in members]},
        "channels": ["sms"],
        "rate_per_second": 10,
    } | changes


async def _draft(client: httpx.AsyncClient, members: list[Member]) -> str:
    response = await client.post("/broadcasts", json=_body(members), headers=_key())
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_a_bulk_send_from_an_uploaded_list_to_its_report(
    client: httpx.AsyncClient, messaging_sessions: Sessions, handlers: Handlers
) -> None:
    members = await register(messaging_sessions, handlers, 3)
    headers = _key()
    created = await client.post("/broadcasts", json=_body(members[:1]), headers=headers)
    again = await client.post("/broadcasts", json=_body(members[:1]), headers=headers)
    assert created.status_code == 201, created.text
    broadcast_id = created.json()["id"]
    assert created.headers["location"] == f"/broadcasts/{broadcast_id}"
    assert again.json()["id"] == broadcast_id  # a retry gets the first answer
    assert created.json()["state"] == "draft"

    # the list names two members by phone (one in mainland digits), the third by card
    listed = f"phone,card_number\r\n{members[0].phone},\r\n,\r\n{members[1].phone[3:]},x\r\n"
    uploaded = await client.post(
        f"/broadcasts/{broadcast_id}/audience",
        content=listed.encode(),
        headers={**MARKETING, "Content-Type": "text/csv"},
    )
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json() == {"rows": 2, "members": 2, "column": "phone"}

    started = await client.post(f"/broadcasts/{broadcast_id}/start", headers=MARKETING)
    assert started.status_code == 200, started.text
    assert (started.json()["state"], started.json()["recipients"]["total"]) == ("sending", 2)

    async def completed() -> dict[str, Any] | None:
        progress = (await client.get(f"/broadcasts/{broadcast_id}", headers=MARKETING)).json()
        return progress if progress["state"] == "completed" else None

    progress = await eventually(completed)
    assert progress["recipients"] == {"total": 2, "pending": 0, "notified": 2, "cancelled": 0}
    report = await client.get(f"/broadcasts/{broadcast_id}/report", headers=MARKETING)
    assert report.status_code == 200
    assert set(report.json()["totals"]) == {"sms"}
    sms = report.json()["totals"]["sms"]
    assert sms["sent"] + sms["failed"] + sms["pending"] == 2  # the providers are down here
    as_csv = await client.get(
        f"/broadcasts/{broadcast_id}/report", params={"format": "csv"}, headers=MARKETING
    )
    lines = as_csv.text.splitlines()
    assert lines[0] == ",".join(REPORT_HEADER)
    assert sum(int(line.split(",")[3]) for line in lines[1:]) == 2  # SMS only

    listing = await client.get("/broadcasts", params={"state": "completed"}, headers=MARKETING)
    assert broadcast_id in [item["id"] for item in listing.json()["items"]]
    paused = await client.post(f"/broadcasts/{broadcast_id}/pause", headers=MARKETING)
    assert paused.status_code == 409
    assert paused.headers["content-type"] == PROBLEM
    assert paused.json()["type"].endswith(":broadcast-state-conflict")
    assert paused.json()["state"] == "completed"

    today = datetime.now(SHANGHAI).date()
    daily = await client.get(
        "/notifications/stats/daily",
        params={
            "from": (today - timedelta(days=1)).isoformat(),
            "to": today.isoformat(),
            "broadcast": broadcast_id,
            "format": "csv",
        },
        headers=MARKETING,
    )
    rows = [line.split(",") for line in daily.text.splitlines()]
    assert rows[0][4] == "broadcast_id"
    assert {row[4] for row in rows[1:]} == {broadcast_id}
    assert sum(int(row[6]) for row in rows[1:]) == 2


@pytest.mark.parametrize(
    ("changes", "location"),
    [
        ({"rate_per_second": 0}, "body.rate_per_second"),
        ({"rate_per_second": 1001}, "body.rate_per_second"),
        ({"channels": []}, "body.channels"),
        ({"channels": ["push"]}, "body.channels.0"),
        ({"name": ""}, "body.name"),
        ({"template": "nope"}, "body.template"),
        ({"scheduled_at": "2020-01-01T00:00:00Z"}, "body.scheduled_at"),
        ({"scheduled_at": "2027-01-01T00:00:00"}, "body.scheduled_at"),
    ],
)
async def test_a_bad_field_is_a_422_naming_it(
    client: httpx.AsyncClient, changes: dict[str, Any], location: str
) -> None:
    body = _body([]) | {"audience": {"all": True}} | changes
    response = await client.post("/broadcasts", json=body, headers=_key())
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert location in [error["location"] for error in response.json()["errors"]]


@pytest.mark.parametrize(
    "audience",
    [{}, {"members": []}, {"all": False}, {"members": ["x"]}, {"tags": [], "all": True}],
)
async def test_a_bad_audience_is_a_422(client: httpx.AsyncClient, audience: dict[str, Any]) -> None:
    response = await client.post(
        "/broadcasts", json=_body([]) | {"audience": audience}, headers=_key()
    )
    assert response.status_code == 422, response.text
    assert all(e["location"].startswith("body.audience") for e in response.json()["errors"])


async def test_an_unknown_member_or_card_or_a_template_that_needs_more_is_named(
    client: httpx.AsyncClient, messaging_sessions: Sessions, handlers: Handlers
) -> None:
    members = await register(messaging_sessions, handlers, 1)
    known, unknown = str(members[0].id), str(uuid.uuid4())
    for audience, location, kind in (
        ({"members": [known, unknown]}, "body.audience.members.1", "audience-not-found"),
        ({"cards": ["T0", members[0].card_number]}, "body.audience.cards.0", "audience-not-found"),
    ):
        response = await client.post(
            "/broadcasts", json=_body([]) | {"audience": audience}, headers=_key()
        )
        assert response.status_code == 422, response.text
        assert response.json()["type"].endswith(f":{kind}")
        assert [e["location"] for e in response.json()["errors"]] == [location]
    survey = await client.post(
        "/broadcasts", json=_body(members, template="ticket_survey"), headers=_key()
    )
    assert survey.status_code == 422
    assert survey.json()["type"].endswith(":template-not-broadcastable")
    assert [e["location"] for e in survey.json()["errors"]] == ["body.template"]


async def test_a_list_longer_than_a_statement_takes_parameters_is_checked(
    client: httpx.AsyncClient, messaging_sessions: Sessions, handlers: Handlers
) -> None:
    """40,000 ids: more than PostgreSQL takes parameters in one statement (32,767), so
    they go as one array; the first unknown one is named."""
    members = await register(messaging_sessions, handlers, 1)
    listed = [str(members[0].id)] * 39_999 + [str(uuid.uuid4())]
    response = await client.post(
        "/broadcasts", json=_body([]) | {"audience": {"members": listed}}, headers=_key()
    )
    assert response.status_code == 422, response.text
    assert [e["location"] for e in response.json()["errors"]] == ["body.audience.members.39999"]


async def test_an_uploaded_list_with_bad_rows_is_refused_whole_naming_them(
    client: httpx.AsyncClient, messaging_sessions: Sessions, handlers: Handlers
) -> None:
    members = await register(messaging_sessions, handlers, 2)
    broadcast_id = await _draft(client, members[:1])
    unknown_id = uuid.uuid4()
    listed = f"member_id\r\n{members[1].id}\r\n{unknown_id}\r\nnot-an-id\r\n"
    response = await client.post(
        f"/broadcasts/{broadcast_id}/audience",
        content=listed.encode(),
        headers={**MARKETING, "Content-Type": "text/csv"},
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"].endswith(":audience-rows-refused")
    assert [e["location"] for e in problem["errors"]] == ["body.row.3"]
    assert problem["rows"] == [
        {"row": 3, "message": f"member_id '{unknown_id}' names no member messaging knows"},
        {"row": 4, "message": "member_id 'not-an-id' is not a UUID"},
    ]
    unknown = await client.post(
        f"/broadcasts/{broadcast_id}/audience",
        content=f"member_id\r\n{members[1].id}\r\n{uuid.uuid4()}\r\n".encode(),
        headers={**MARKETING, "Content-Type": "text/csv"},
    )
    assert [r["row"] for r in unknown.json()["rows"]] == [3]
    not_text = await client.post(
        f"/broadcasts/{broadcast_id}/audience",
        content=b"phone\r\n\xff\xfe\r\n",
        headers={**MARKETING, "Content-Type": "text/csv"},
    )
    assert not_text.status_code == 422
    kept = (await client.get(f"/broadcasts/{broadcast_id}", headers=MARKETING)).json()
    assert kept["audience"] == {"members": [str(members[0].id)]}  # nothing of them was kept

    cancelled = await client.post(f"/broadcasts/{broadcast_id}/cancel", headers=MARKETING)
    assert cancelled.json()["state"] == "cancelled"
    late = await client.post(
        f"/broadcasts/{broadcast_id}/audience",
        content=f"member_id\r\n{members[1].id}\r\n".encode(),
        headers={**MARKETING, "Content-Type": "text/csv"},
    )
    assert late.status_code == 409


async def test_who_may_do_what(client: httpx.AsyncClient) -> None:
    missing = uuid.uuid4()
    for method, path in (("GET", ""), ("GET", "/report"), ("POST", "/start")):
        response = await client.request(method, f"/broadcasts/{missing}{path}", headers=MARKETING)
        assert response.status_code == 404
        assert response.json()["type"].endswith(":broadcast-not-found")
    analyst = staff_headers("analyst")
    assert (await client.get("/broadcasts", headers=analyst)).status_code == 200
    refused = await client.post(
        "/broadcasts",
        json=_body([]) | {"audience": {"all": True}},
        headers={**analyst, "Idempotency-Key": "k1"},
    )
    assert refused.status_code == 403
    no_key = await client.post(
        "/broadcasts", json=_body([]) | {"audience": {"all": True}}, headers=MARKETING
    )
    assert no_key.status_code == 422
    assert "idempotency-key" in no_key.json()["errors"][0]["location"].lower()
    assert (await client.get("/broadcasts")).status_code == 401
