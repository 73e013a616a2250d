"""``/messaging-policy``: admin sets it, marketing reads it, a bad field is a 422 naming
it and changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from huiyuan.embedded.ports import free_port
from tests.messaging.policy.conftest import NEUTRAL
from tests.stack import Stack, running, staff_headers

ADMIN = staff_headers("admin")
MARKETING = staff_headers("marketing")
POLICY: dict[str, Any] = {
    "quiet_hours": {"start": "21:00", "end": "08:00"},
    "frequency_cap": {"messages": 2, "days": 7},
    "dedupe_window_hours": 24,
    "points_message": "above:100",
}


@pytest.fixture(scope="module")
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    app = stack.app(
        "messaging", smtp_port=free_port(), sms_gateway_url=f"http://127.0.0.1:{free_port()}"
    )
    async with running(app) as client:
        yield client


async def test_admin_sets_the_policy_marketing_reads_it_and_the_same_again_keeps_its_version(
    client: httpx.AsyncClient,
) -> None:
    before = (await client.get("/messaging-policy", headers=MARKETING)).json()
    assert {k: before[k] for k in NEUTRAL} == NEUTRAL  # the suite's

    answer = await client.put("/messaging-policy", json=POLICY, headers=ADMIN)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert {k: body[k] for k in POLICY} == POLICY
    assert body["version"] == before["version"] + 1
    assert body["updated_by"]
    again = await client.put("/messaging-policy", json=POLICY, headers=ADMIN)
    assert again.json()["version"] == body["version"]
    read = await client.get("/messaging-policy", headers=MARKETING)
    assert read.json() == again.json()

    refused = await client.put("/messaging-policy", json=NEUTRAL, headers=MARKETING)
    assert refused.status_code == 403
    assert (
        await client.get("/messaging-policy", headers=staff_headers("service"))
    ).status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quiet_hours": {"start": "25:00", "end": "08:00"}}, "quiet_hours.start"),
        ({"quiet_hours": {"start": "21:00:30", "end": "08:00"}}, "quiet_hours.start"),
        ({"quiet_hours": {"start": "21:00+08:00", "end": "08:00"}}, "quiet_hours.start"),
        ({"quiet_hours": {"start": "21:00", "end": "21:00"}}, "quiet_hours.end"),
        ({"quiet_hours": {"start": "21:00"}}, "quiet_hours.end"),
        ({"frequency_cap": {"messages": 0, "days": 7}}, "frequency_cap.messages"),
        ({"frequency_cap": {"messages": 2, "days": 91}}, "frequency_cap.days"),
        ({"frequency_cap": {"messages": "2", "days": 7}}, "frequency_cap.messages"),
        ({"dedupe_window_hours": -1}, "dedupe_window_hours"),
        ({"points_message": "above:0"}, "points_message"),
        ({"points_message": "sometimes"}, "points_message"),
        ({"surprise": True}, "surprise"),
    ],
)
async def test_a_bad_field_is_a_422_naming_it_and_changes_nothing(
    client: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    before = (await client.get("/messaging-policy", headers=ADMIN)).json()
    answer = await client.put("/messaging-policy", json=POLICY | change, headers=ADMIN)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"][0]["location"] == f"body.{field}"
    assert (await client.get("/messaging-policy", headers=ADMIN)).json() == before


async def test_a_policy_may_have_no_quiet_hours_cap_or_dedupe(client: httpx.AsyncClient) -> None:
    answer = await client.put("/messaging-policy", json=NEUTRAL, headers=ADMIN)
    assert answer.status_code == 200, answer.text
    assert {k: answer.json()[k] for k in NEUTRAL} == NEUTRAL
