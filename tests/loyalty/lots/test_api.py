"""The points policy over HTTP: marketing sets it, staff read it, bad input is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from shared.db import Sessions, transaction
from tests.loyalty.conftest import problem
from tests.stack import member_headers, staff_headers

DEFAULTS = {
    "return_window_days": 0,
    "expiry": "never",
    "expiry_months": None,
    "expiring_notice_days": 30,
    "shortfall_payback": False,
    "updated_at": None,
    "updated_by": None,
}


@pytest.fixture
async def defaults_back(loyalty_sessions: Sessions) -> AsyncIterator[None]:
    yield
    async with transaction(loyalty_sessions) as session:
        await session.execute(text("DELETE FROM loyalty.points_policy"))


async def test_marketing_sets_the_policy_and_staff_read_it(
    client: httpx.AsyncClient, defaults_back: None
) -> None:
    before = await client.get("/program/points-policy", headers=staff_headers("analyst"))
    assert before.status_code == 200, before.text
    assert before.json() == DEFAULTS
    body = {
        "return_window_days": 7,
        "expiry": "months_after_earning",
        "expiry_months": 12,
        "expiring_notice_days": 14,
        "shortfall_payback": True,
    }
    put = await client.put("/program/points-policy", json=body, headers=staff_headers("marketing"))
    assert put.status_code == 200, put.text
    assert put.json() | {"updated_at": None} == body | {
        "updated_at": None,
        "updated_by": "test-marketing",
    }
    read = await client.get("/program/points-policy", headers=staff_headers("service"))
    assert read.json() == put.json()


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"return_window_days": 61}, "return_window_days", "less than or equal to 60"),
        ({"return_window_days": -1}, "return_window_days", "greater than or equal to 0"),
        ({"return_window_days": "7"}, "return_window_days", "valid integer"),
        ({"expiry": "monthly"}, "expiry", "'never'"),
        ({"expiry": "months_after_earning"}, None, "expiry_months is required"),
        ({"expiry": "never", "expiry_months": 12}, None, "only with it"),
        ({"expiry": "months_after_earning", "expiry_months": 2}, "expiry_months", "3"),
        ({"expiry": "months_after_earning", "expiry_months": 121}, "expiry_months", "120"),
        ({"expiring_notice_days": 0}, "expiring_notice_days", "greater than or equal to 1"),
        ({"expiring_notice_days": 91}, "expiring_notice_days", "less than or equal to 90"),
        ({"shortfall_payback": "yes"}, "shortfall_payback", "boolean"),
        ({"colour": "red"}, "colour", "Extra inputs"),
    ],
)
async def test_a_bad_policy_is_refused_naming_its_field_and_nothing_changes(
    client: httpx.AsyncClient, body: dict[str, Any], field: str | None, says: str
) -> None:
    response = await client.put(
        "/program/points-policy", json=body, headers=staff_headers("marketing")
    )
    refused = problem(response, 422)
    [error] = refused["errors"]
    assert says in error["message"], error
    if field is not None:
        assert error["location"] == f"body.{field}"
    read = await client.get("/program/points-policy", headers=staff_headers("marketing"))
    assert read.json() == DEFAULTS


@pytest.mark.parametrize("role", ["service", "analyst"])
async def test_only_marketing_sets_the_policy(client: httpx.AsyncClient, role: str) -> None:
    response = await client.put(
        "/program/points-policy",
        json={},
        headers=staff_headers(role),  # type: ignore[arg-type]
    )
    problem(response, 403)


async def test_members_read_no_policy(client: httpx.AsyncClient) -> None:
    import uuid

    response = await client.get("/program/points-policy", headers=member_headers(uuid.uuid4()))
    problem(response, 403)
