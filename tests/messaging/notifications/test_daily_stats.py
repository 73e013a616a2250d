"""Daily statistics: per day of the brand, channel, provider, template and status, with
SMS segments and cost at each provider's price; as JSON or CSV."""

from __future__ import annotations

import csv
import io
import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import update

from services.messaging.notifications.models import Notification
from shared.db import Sessions, transaction
from tests.messaging.rows import insert_notification
from tests.stack import member_headers, staff_headers

SHANGHAI = ZoneInfo("Asia/Shanghai")
ANALYST = staff_headers("analyst")


def _a_day_of_its_own() -> date:
    """A day long past that no other test writes notifications on."""
    return date(2001, 1, 1) + timedelta(days=random.randrange(5000))


async def _sms(
    sessions: Sessions, at: datetime, status: str, provider: str | None, **columns: Any
) -> None:
    row = await insert_notification(
        sessions, channel="sms", to="+8613912345678", body="hi", status=status, created_at=at
    )
    async with transaction(sessions) as session:
        await session.execute(
            update(Notification)
            .where(Notification.id == row["id"])
            .values(provider=provider, **columns)
        )


async def test_counts_per_day_provider_and_status_with_cost(
    client: httpx.AsyncClient, messaging_sessions: Sessions
) -> None:
    day = _a_day_of_its_own()
    # 23:30 on the day in Shanghai is 15:30 UTC; 00:30 the next day is 16:30 UTC that day
    late = datetime.combine(day, time(23, 30), SHANGHAI).astimezone(UTC)
    next_day = late + timedelta(hours=1)
    await _sms(messaging_sessions, late, "delivered", "primary", segments=2, cost_fen=20)
    await _sms(messaging_sessions, late, "delivered", "primary", segments=1, cost_fen=10)
    await _sms(messaging_sessions, late, "undelivered", "fallback", segments=1, cost_fen=7)
    await _sms(messaging_sessions, next_day, "sent", "fallback", segments=3, cost_fen=21)
    await _sms(messaging_sessions, late, "suppressed", None)

    answer = await client.get(
        "/notifications/stats/daily",
        params={"from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat()},
        headers=ANALYST,
    )
    by_status = await client.get(
        "/notifications/stats",
        params={"from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat()},
        headers=ANALYST,
    )
    only_fallback = await client.get(
        "/notifications/stats/daily",
        params={"from": day.isoformat(), "to": day.isoformat(), "provider": "fallback"},
        headers=ANALYST,
    )

    assert answer.status_code == 200, answer.text
    rows = [
        (i["day"], i["provider"], i["status"], i["count"], i["segments"], i["cost_fen"])
        for i in answer.json()["items"]
    ]
    first, second = day.isoformat(), (day + timedelta(days=1)).isoformat()
    assert rows == [
        (first, "fallback", "undelivered", 1, 1, 7),
        (first, "primary", "delivered", 2, 3, 30),
        (first, None, "suppressed", 1, 0, 0),
        (second, "fallback", "sent", 1, 3, 21),
    ]
    assert (answer.json()["total"], answer.json()["cost_fen"]) == (5, 58)
    assert [i["status"] for i in only_fallback.json()["items"]] == ["undelivered"]
    assert by_status.json()["sms_cost_fen"] == 58


@pytest.mark.parametrize(
    ("params", "headers"),
    [({"format": "csv"}, {}), ({}, {"Accept": "text/csv"})],
)
async def test_the_same_counts_as_csv(
    client: httpx.AsyncClient,
    messaging_sessions: Sessions,
    params: dict[str, str],
    headers: dict[str, str],
) -> None:
    day = _a_day_of_its_own()
    at = datetime.combine(day, time(12), SHANGHAI).astimezone(UTC)
    await _sms(messaging_sessions, at, "delivered", "primary", segments=2, cost_fen=20)

    answer = await client.get(
        "/notifications/stats/daily",
        params={"from": day.isoformat(), "to": day.isoformat(), **params},
        headers={**ANALYST, **headers},
    )

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert list(csv.reader(io.StringIO(answer.text))) == [
        [
            "day",
            "channel",
            "provider",
            "template",
            "broadcast_id",
            "status",
            "count",
            "segments",
            "cost_fen",
        ],
        [day.isoformat(), "sms", "primary", "tier_upgrade", "", "delivered", "1", "2", "20"],
    ]


@pytest.mark.parametrize(
    ("params", "location", "type_"),
    [
        ({"from": "2026-12-01", "to": "2026-11-30"}, "query.from", "period-reversed"),
        ({"from": "2025-01-01", "to": "2026-11-30"}, "query.to", "period-too-long"),
        ({"from": "2026-11-01"}, "query.to", None),
        ({"from": "2026-11-01", "to": "2026-11-30", "provider": "A B"}, "query.provider", None),
        ({"from": "2026-11-01", "to": "2026-11-30", "template": "nope"}, "query.template", None),
        ({"from": "2026-11-01", "to": "2026-11-30", "format": "xml"}, "query.format", None),
    ],
)
async def test_a_bad_query_is_422_naming_the_parameter(
    client: httpx.AsyncClient, params: dict[str, str], location: str, type_: str | None
) -> None:
    answer = await client.get("/notifications/stats/daily", params=params, headers=ANALYST)

    assert answer.status_code == 422, answer.text
    assert [e["location"] for e in answer.json()["errors"]] == [location]
    if type_ is not None:
        assert answer.json()["type"] == f"urn:huiyuan:problem:{type_}"


async def test_a_member_may_not_read_them(client: httpx.AsyncClient) -> None:
    answer = await client.get(
        "/notifications/stats/daily",
        params={"from": "2026-11-01", "to": "2026-11-30"},
        headers=member_headers(uuid.uuid4()),
    )
    assert answer.status_code == 403
