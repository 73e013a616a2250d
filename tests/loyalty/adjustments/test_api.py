"""Staff adjust points over HTTP: through the kernel, audited, idempotent, bad input refused."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from shared.db import Sessions
from tests.loyalty.conftest import (
    account_of,
    envelopes,
    funded_member,
    key,
    ledger_of,
    ledger_sound,
    lots_of,
    problem,
    published,
)
from tests.stack import member_headers, staff_headers

SERVICE = staff_headers("service")


async def _audit(sessions: Sessions, member_id: uuid.UUID) -> list[tuple[Any, ...]]:
    async with sessions() as session:
        rows = await session.execute(
            text(
                "SELECT points, reason, staff FROM loyalty.adjustments "
                "WHERE member_id = :m ORDER BY created_at"
            ),
            {"m": member_id},
        )
        return [tuple(row) for row in rows]


async def test_staff_add_and_take_off_points_with_a_reason_on_record(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 50_000)  # 500 points
    added = await client.post(
        f"/members/{member_id}/adjustments",
        json={"points": 200, "reason": "补录小票 #1024"},
        headers=SERVICE | key(),
    )
    assert added.status_code == 201, added.text
    body = added.json()
    assert (body["points"], body["balance"], body["staff"]) == (200, 700, "test-service")
    taken = await client.post(
        f"/members/{member_id}/adjustments",
        json={"points": -650, "reason": "duplicate receipt"},
        headers=SERVICE | key(),
    )
    assert taken.status_code == 201, taken.text
    assert taken.json()["balance"] == 50

    entries = await ledger_of(loyalty_sessions, member_id)
    assert [(e.kind, e.points, e.balance_after, e.reason) for e in entries] == [
        ("earn", 500, 500, None),
        ("adjust", 200, 700, "补录小票 #1024"),
        ("adjust", -650, 50, "duplicate receipt"),
    ]
    assert str(entries[1].source_id) == body["adjustment_id"]
    assert await lots_of(loyalty_sessions, member_id) == [(500, 0), (200, 50)]
    assert await _audit(loyalty_sessions, member_id) == [
        (200, "补录小票 #1024", "test-service"),
        (-650, "duplicate receipt", "test-service"),
    ]
    events = await envelopes(loyalty_sessions, member_id, "loyalty.points.adjusted")
    assert [(e["data"]["points"], e["data"]["balance"]) for e in events] == [(200, 700), (-650, 50)]
    assert "staff" not in events[0]["data"]  # staff logins stay out of events
    assert await ledger_sound(loyalty_sessions, member_id) == ()


async def test_a_retry_with_the_same_key_adjusts_once(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 10_000)
    headers = SERVICE | key()
    body = {"points": 30, "reason": "goodwill"}
    first = await client.post(f"/members/{member_id}/adjustments", json=body, headers=headers)
    again = await client.post(f"/members/{member_id}/adjustments", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert len(await _audit(loyalty_sessions, member_id)) == 1
    held = await account_of(loyalty_sessions, member_id)
    assert held is not None
    assert held.balance == 130


async def test_one_key_and_body_sent_to_another_endpoint_is_refused_not_replayed(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    """The fuzzer's finding: a redemption sent with an adjustment's key and body got the
    adjustment's stored answer (a 201 that redeemed nothing)."""
    member_id = await funded_member(loyalty_sessions, 10_000)
    other = await funded_member(loyalty_sessions, 10_000)
    headers = SERVICE | key()
    body = {"points": 30, "reason": "goodwill"}
    first = await client.post(f"/members/{member_id}/adjustments", json=body, headers=headers)
    assert first.status_code == 201, first.text
    for url in (f"/members/{member_id}/redemptions", f"/members/{other}/adjustments"):
        reused = problem(await client.post(url, json=body, headers=headers), 422)
        assert reused["type"] == "urn:huiyuan:problem:idempotency-key-reused", url
    held = await account_of(loyalty_sessions, other)
    assert held is not None
    assert held.balance == 100  # nothing adjusted for the other member
    assert len(await _audit(loyalty_sessions, member_id)) == 1


async def test_taking_off_more_than_the_balance_is_refused_and_nothing_is_written(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 10_000)
    response = await client.post(
        f"/members/{member_id}/adjustments",
        json={"points": -101, "reason": "oops"},
        headers=SERVICE | key(),
    )
    refused = problem(response, 422)
    assert refused["type"] == "urn:huiyuan:problem:insufficient-points"
    assert refused["errors"][0]["location"] == "body.points"
    assert await _audit(loyalty_sessions, member_id) == []
    assert await published(loyalty_sessions, member_id, "loyalty.points.adjusted") == []


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"points": 0, "reason": "x"}, "points", "must not be 0"),
        ({"points": 10**12 + 1, "reason": "x"}, "points", "less than or equal to"),
        ({"points": -(10**12) - 1, "reason": "x"}, "points", "greater than or equal to"),
        ({"points": 2**64, "reason": "x"}, "points", "less than or equal to"),
        ({"points": 1.5, "reason": "x"}, "points", "valid integer"),
        ({"points": "5", "reason": "x"}, "points", "valid integer"),
        ({"points": 5}, "reason", "Field required"),
        ({"points": 5, "reason": "a\nb"}, "reason", "single line"),
        ({"points": 5, "reason": "x" * 201}, "reason", "at most 200"),
        ({"points": 5, "reason": "x", "staff": "me"}, "staff", "Extra inputs"),
    ],
)
async def test_bad_adjustments_are_refused_naming_the_field(
    client: httpx.AsyncClient,
    loyalty_sessions: Sessions,
    body: dict[str, Any],
    field: str,
    says: str,
) -> None:
    member_id = await funded_member(loyalty_sessions, 10_000)
    response = await client.post(
        f"/members/{member_id}/adjustments", json=body, headers=SERVICE | key()
    )
    refused = problem(response, 422)
    [error] = refused["errors"]
    assert error["location"] == f"body.{field}"
    assert says in error["message"], error
    assert await _audit(loyalty_sessions, member_id) == []


@pytest.mark.parametrize("who", ["member", "marketing", "no-key"])
async def test_only_service_staff_adjust_with_a_key(
    client: httpx.AsyncClient, loyalty_sessions: Sessions, who: str
) -> None:
    member_id = await funded_member(loyalty_sessions, 10_000)
    headers, status = {
        "member": (member_headers(member_id) | key(), 403),
        "marketing": (staff_headers("marketing") | key(), 403),
        "no-key": (SERVICE, 422),
    }[who]
    response = await client.post(
        f"/members/{member_id}/adjustments", json={"points": 5, "reason": "x"}, headers=headers
    )
    problem(response, status)
    assert await _audit(loyalty_sessions, member_id) == []


async def test_an_unknown_member_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"/members/{uuid.uuid4()}/adjustments",
        json={"points": 5, "reason": "x"},
        headers=SERVICE | key(),
    )
    assert problem(response, 404)["type"] == "urn:huiyuan:problem:account-not-found"
