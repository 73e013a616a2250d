from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.analytics.kpis import domain
from shared.db import Sessions
from tests.analytics import events
from tests.analytics.conftest import ANALYST, PROBLEM, Feed, apply, caught_up
from tests.stack import Stack, eventually, member_headers, staff_headers


async def _kpis(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/kpis", params=params, headers=ANALYST)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _repeat_members(kpis: dict[str, Any]) -> int:
    return round(float(kpis["lifetime_repeat_customer_rate"]) * int(kpis["purchasing_members"]))


async def test_kpis_move_by_exactly_the_events_applied(
    client: httpx.AsyncClient,
    stack: Stack,
    analytics_app: FastAPI,
    analytics_sessions: Sessions,
    handlers: Feed,
) -> None:
    await eventually(lambda: caught_up(stack, analytics_app), timeout=20, interval=0.3)
    before, before_60 = await _kpis(client), await _kpis(client, days=60)

    now = datetime.now(UTC)
    repeat, lapsed, refunded, unregistered = (uuid.uuid4() for _ in range(4))
    refunded_sale = events.purchase(refunded, 9_000, at=now - timedelta(days=1))
    partly_returned = events.purchase(unregistered, 3_000, at=now - timedelta(days=3))
    await apply(
        analytics_sessions,
        handlers,
        events.registered(repeat),
        events.purchase(repeat, 10_000, at=now - timedelta(days=40)),
        events.purchase(repeat, 20_000, at=now - timedelta(days=2)),
        events.registered(lapsed),
        events.purchase(lapsed, 6_000, at=now - timedelta(days=45)),
        events.registered(refunded),
        refunded_sale,
        events.returned(refunded_sale, 9_000),
        partly_returned,  # registration not arrived yet: a buyer, not a member
        events.returned(partly_returned, 1_000),
    )
    after, after_60 = await _kpis(client), await _kpis(client, days=60)

    def delta(key: str, new: dict[str, Any] = after, old: dict[str, Any] = before) -> Any:
        return new[key] - old[key]

    assert delta("members") == 3
    assert delta("purchasing_members") == 3  # the fully refunded buyer does not count
    assert delta("purchases") == 4
    assert delta("revenue_fen") == 10_000 + 20_000 + 6_000 + 2_000
    assert delta("active_members_30d") == 2
    assert delta("active_members_30d", after_60, before_60) == 3
    assert (after["active_window_days"], after_60["active_window_days"]) == (30, 60)
    assert _repeat_members(after) - _repeat_members(before) == 1
    assert after["average_order_value_fen"] == domain.average_order_value_fen(
        after["revenue_fen"], after["purchases"]
    )
    assert isinstance(after["average_order_value_fen"], int)
    assert isinstance(after["revenue_fen"], int)
    assert 0.0 <= after["lifetime_repeat_customer_rate"] <= 1.0
    assert after["repeat_purchase_rate"] == after["lifetime_repeat_customer_rate"]  # deprecated
    assert datetime.fromisoformat(after["as_of"]) >= now


@pytest.mark.parametrize(
    "headers",
    [member_headers(uuid.uuid4()), staff_headers("service")],
    ids=["member", "service-staff"],
)
async def test_kpis_are_for_analysts_and_marketing(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get("/kpis", headers=headers)
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM
    assert "analyst" in response.json()["detail"]
    for role in ("marketing", "admin"):
        allowed = await client.get("/kpis", headers=staff_headers(role))
        assert allowed.status_code == 200, allowed.text


async def test_kpis_need_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/kpis")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize("days", ["0", "366", "-3", "soon", "1e3", str(2**64), "%00", "30x"])
async def test_an_activity_window_outside_one_to_365_days_is_rejected(
    client: httpx.AsyncClient, days: str
) -> None:
    response = await client.get("/kpis", params={"days": days}, headers=ANALYST)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["location"] == "query.days"


async def test_the_kpis_as_one_csv_row(client: httpx.AsyncClient) -> None:
    figures = await _kpis(client, days=7)
    asked: list[tuple[dict[str, str], dict[str, str]]] = [
        ({"days": "7", "format": "csv"}, {}),
        ({"days": "7"}, {"Accept": "text/csv"}),
    ]
    for params, accept in asked:
        response = await client.get("/kpis", params=params, headers=ANALYST | accept)
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        header, row = (line.split(",") for line in response.text.split("\r\n")[:2])
        assert header == list(figures)
        found = dict(zip(header, row, strict=True))
        assert found["active_window_days"] == "7"
        assert int(found["members"]) >= figures["members"]
