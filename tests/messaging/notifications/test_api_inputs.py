"""Every input of the notifications API is parsed strictly and bounded: a bad value is a
422 problem naming it, and the periods of the statistics count the right days."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from services.messaging.main import create_app
from shared.db import Sessions
from shared.inbox import Handlers
from shared.inputs import unbounded_inputs
from tests.messaging import events
from tests.messaging.notifications.conftest import feed
from tests.messaging.rows import insert_notification
from tests.stack import staff_headers

PROBLEM = "application/problem+json"
SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = datetime.now(SHANGHAI).date()
STAFF = staff_headers("marketing")

# every query and path input, each with values that must be refused
REFUSED: list[tuple[str, str, dict[str, Any], str]] = [
    *(
        (f"/members/{uuid.uuid4()}/notifications", "limit", {"limit": value}, "query.limit")
        for value in ("0", "201", "-1", "1.5", "ten", "9" * 30, "")
    ),
    *(
        (f"/members/{uuid.uuid4()}/notifications", "channel", {"channel": v}, "query.channel")
        for v in ("push", "SMS", "", "sms\n")
    ),
    *(
        (f"/members/{uuid.uuid4()}/notifications", "cursor", {"cursor": v}, "query.cursor")
        for v in ("bm90LW91cnM=", "1042", "", "=" * 200)
    ),
    *(
        ("/notifications/stats", name, {name: value}, f"query.{name}")
        for name in ("from", "to")
        for value in (
            "1999-12-31",  # before the earliest trading day (2000-01-01 by default)
            (TODAY + timedelta(days=1)).isoformat(),
            "2026-02-30",
            "2026-01-01T00:00:00",
            "0",
            "20260101",
            "9999-12-31",
            "",
        )
    ),
    *(
        ("/notifications/stats", "channel", {"channel": value}, "query.channel")
        for value in ("push", "email,sms")
    ),
]


@pytest.mark.parametrize(
    ("path", "name", "params", "location"),
    REFUSED,
    ids=[f"{name}={params[name]!r}" for _, name, params, _ in REFUSED],
)
async def test_a_bad_query_value_is_a_422_naming_it(
    client: httpx.AsyncClient, path: str, name: str, params: dict[str, Any], location: str
) -> None:
    response = await client.get(path, params=params, headers=STAFF)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert [error["location"] for error in response.json()["errors"]] == [location]


@pytest.mark.parametrize(
    "value",
    ["nope", "7d1c0a52-7a7e-4d39-9a55", "1" * 500, "%00", "-1", "2" * 40, "%E2%80%A8"],
)
async def test_a_member_id_that_is_no_uuid_is_a_422_naming_it(
    client: httpx.AsyncClient, value: str
) -> None:
    response = await client.get(f"/members/{value}/notifications", headers=STAFF)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert [error["location"] for error in response.json()["errors"]] == ["path.member_id"]


def test_no_input_of_the_api_is_unbounded() -> None:
    assert unbounded_inputs(create_app().openapi()) == []


async def test_a_member_reads_one_channel_only(
    client: httpx.AsyncClient, messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = uuid.uuid4()
    await feed(
        messaging_sessions,
        handlers,
        await events.registered(member_id, phone_number=events.phone()),
        events.points_earned(member_id),
    )
    url = f"/members/{member_id}/notifications"
    sms = await client.get(url, params={"channel": "sms"}, headers=STAFF)
    one = await client.get(url, params={"channel": "email", "limit": "1"}, headers=STAFF)

    assert [(n["channel"], n["template"]) for n in sms.json()["items"]] == [
        ("sms", "points_earned"),
        ("sms", "welcome"),
    ]
    assert [(n["channel"], n["template"]) for n in one.json()["items"]] == [
        ("email", "points_earned")
    ]


async def _on(sessions: Sessions, moment: datetime, channel: str, cost_fen: int) -> None:
    await insert_notification(
        sessions,
        channel=channel,
        to="+8613912345678" if channel == "sms" else "a@example.com",
        body="金卡",
        status="sent",
        created_at=moment,
        cost_fen=cost_fen,
    )


async def test_stats_count_the_days_of_the_period_in_the_business_timezone(
    client: httpx.AsyncClient, messaging_sessions: Sessions
) -> None:
    # two days long past that no other test writes on
    first = date(2001, 1, 1) + timedelta(days=random.randrange(7000))
    last = first + timedelta(days=1)
    opening = datetime.combine(first, time(), SHANGHAI)
    closing = datetime.combine(last + timedelta(days=1), time(), SHANGHAI)
    for moment, channel, cost in (
        (opening, "sms", 10),  # in: the first instant of the first day
        (opening + timedelta(hours=20), "sms", 20),  # in: 12:00 UTC of the first day
        (closing - timedelta(microseconds=1), "email", 0),  # in: the last instant
        (opening - timedelta(microseconds=1), "sms", 1000),  # out: the day before
        (closing, "sms", 1000),  # out: the day after
    ):
        await _on(messaging_sessions, moment.astimezone(UTC), channel, cost)

    period = {"from": first.isoformat(), "to": last.isoformat()}
    both = await client.get("/notifications/stats", params=period, headers=STAFF)
    sms = await client.get(
        "/notifications/stats", params={**period, "channel": "sms"}, headers=STAFF
    )
    one_day = await client.get(
        "/notifications/stats",
        params={"from": last.isoformat(), "to": last.isoformat()},
        headers=STAFF,
    )

    assert both.status_code == 200, both.text
    assert both.json() == {
        "items": [
            {"channel": "email", "status": "sent", "count": 1, "cost_fen": 0},
            {"channel": "sms", "status": "sent", "count": 2, "cost_fen": 30},
        ],
        "total": 3,
        "sms_cost_fen": 30,
        "reasons": [],
    }
    assert sms.json()["items"] == [{"channel": "sms", "status": "sent", "count": 2, "cost_fen": 30}]
    assert one_day.json()["total"] == 1


async def test_a_period_that_ends_before_it_starts_is_a_named_problem(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        "/notifications/stats", params={"from": "2024-05-02", "to": "2024-05-01"}, headers=STAFF
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == "urn:huiyuan:problem:period-reversed"
    assert problem["title"] == "Period ends before it starts"
    assert problem["detail"] == "from (2024-05-02) is after to (2024-05-01)"
    assert [error["location"] for error in problem["errors"]] == ["query.from"]
