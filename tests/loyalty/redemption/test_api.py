"""Members spend points over HTTP: idempotent, never below zero, every bad input refused."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from services.loyalty.points.invariants import check_ledger_invariants
from shared.db import Sessions
from shared.jwks import development_signer
from shared.tokens import issue_token
from tests.loyalty.conftest import (
    account_of,
    envelopes,
    funded_member,
    key,
    ledger_of,
    lots_of,
    problem,
    published,
)
from tests.stack import member_headers, staff_headers


async def test_a_redemption_spends_points_and_publishes(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 80_000)
    response = await client.post(
        f"/members/{member_id}/redemptions",
        json={"points": 300, "reason": "兑换耳机"},
        headers=staff_headers("service") | key(),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["points"], body["balance"]) == (300, 500)
    last = (await ledger_of(loyalty_sessions, member_id))[-1]
    assert (last.kind, last.points, last.balance_after, last.reason) == (
        "redeem",
        -300,
        500,
        "兑换耳机",
    )
    assert (last.source_type, str(last.source_id)) == ("redemption", body["redemption_id"])
    assert str(last.id) == body["entry_id"]
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    assert body["account_id"] == str(account.account_id)
    assert await lots_of(loyalty_sessions, member_id) == [(800, 500)]
    [event] = await envelopes(loyalty_sessions, member_id, "loyalty.points.redeemed")
    data = event["data"]
    assert (data["points"], data["balance"], data["reason"]) == (300, 500, "兑换耳机")
    assert data["account_id"] == event["subject"] == body["account_id"]


async def test_insufficient_points_are_refused_and_nothing_is_written(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 20_000)
    response = await client.post(
        f"/members/{member_id}/redemptions",
        json={"points": 201, "reason": "tablet"},
        headers=member_headers(member_id) | key(),
    )
    refused = problem(response, 422)
    assert refused["detail"] == "insufficient points: balance 200, requested 201"
    assert refused["type"] == "urn:huiyuan:problem:insufficient-points"
    assert refused["errors"][0]["location"] == "body.points"
    assert (refused["balance"], refused["requested"]) == (200, 201)
    assert [e.kind for e in await ledger_of(loyalty_sessions, member_id)] == ["earn"]
    assert await published(loyalty_sessions, member_id, "loyalty.points.redeemed") == []


@pytest.mark.parametrize(
    ("body", "headers_for", "status"),
    [
        ({"points": 0, "reason": "x"}, "self", 422),
        ({"points": 1.5, "reason": "x"}, "self", 422),
        ({"points": 5}, "self", 422),
        ({"points": 5, "reason": "x"}, "no-key", 422),
        ({"points": 5, "reason": "x"}, "other-member", 403),
        ({"points": 5, "reason": "x"}, "marketing", 403),
    ],
)
async def test_bad_redemptions_get_a_clear_4xx(
    client: httpx.AsyncClient,
    loyalty_sessions: Sessions,
    body: dict[str, Any],
    headers_for: str,
    status: int,
) -> None:
    member_id = await funded_member(loyalty_sessions, 10_000)
    headers = {
        "self": member_headers(member_id) | key(),
        "no-key": member_headers(member_id),
        "other-member": member_headers(uuid.uuid4()) | key(),
        "marketing": staff_headers("marketing") | key(),
    }[headers_for]
    response = await client.post(f"/members/{member_id}/redemptions", json=body, headers=headers)
    problem(response, status)
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    assert account.balance == 100


REDEMPTION_FAULTS: list[tuple[str, Any, str]] = [
    ("points", 2**64, "less than or equal to 1000000000000"),
    ("points", 10**12 + 1, "less than or equal to 1000000000000"),
    ("points", -5, "greater than or equal to 1"),
    ("points", "5", "valid integer"),
    ("reason", "gift\x00", "control character"),
    ("reason", "gift\r\nBcc: x", "single line"),
    ("reason", "gi\u0085ft", "single line"),
    ("reason", " \u3000 ", "blank"),
    ("reason", "x" * 201, "at most 200"),
]


@pytest.mark.parametrize(("field", "value", "message"), REDEMPTION_FAULTS)
async def test_each_redemption_field_refuses_its_faults_by_name(
    client: httpx.AsyncClient, loyalty_sessions: Sessions, field: str, value: Any, message: str
) -> None:
    member_id = await funded_member(loyalty_sessions, 10_000)
    body = {"points": 5, "reason": "gift", field: value}
    response = await client.post(
        f"/members/{member_id}/redemptions", json=body, headers=member_headers(member_id) | key()
    )
    [error] = problem(response, 422)["errors"]
    assert error["location"] == f"body.{field}"
    assert message in error["message"]
    assert [e.kind for e in await ledger_of(loyalty_sessions, member_id)] == ["earn"]


async def test_staff_with_a_long_login_redeem_once_per_key(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    """A token subject of about 100 characters answered 500 on an idempotent POST."""
    member_id = await funded_member(loyalty_sessions, 10_000)
    login = "service-desk." + "x" * 90 + "@example.com"
    token = issue_token(development_signer(), subject=login, role="service")
    headers = {"Authorization": f"Bearer {token}"} | key()
    body = {"points": 10, "reason": "补发积分礼品"}
    first = await client.post(f"/members/{member_id}/redemptions", json=body, headers=headers)
    again = await client.post(f"/members/{member_id}/redemptions", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201), first.text
    assert again.json() == first.json()
    assert [e.points for e in await ledger_of(loyalty_sessions, member_id)] == [100, -10]


async def test_redeeming_for_an_unknown_member_is_404(client: httpx.AsyncClient) -> None:
    member_id = uuid.uuid4()
    response = await client.post(
        f"/members/{member_id}/redemptions",
        json={"points": 5, "reason": "x"},
        headers=staff_headers("service") | key(),
    )
    assert problem(response, 404)["type"] == "urn:huiyuan:problem:account-not-found"


async def test_a_retried_redemption_returns_the_first_answer(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 50_000)
    headers = member_headers(member_id) | key()
    body = {"points": 120, "reason": "小礼品"}
    first = await client.post(f"/members/{member_id}/redemptions", json=body, headers=headers)
    again = await client.post(f"/members/{member_id}/redemptions", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert [e.kind for e in await ledger_of(loyalty_sessions, member_id)] == ["earn", "redeem"]
    changed = await client.post(
        f"/members/{member_id}/redemptions", json={**body, "points": 121}, headers=headers
    )
    assert "different request body" in problem(changed, 422)["detail"]


async def test_concurrent_redemptions_never_overdraw(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 90_000)  # 900 points
    headers = member_headers(member_id)

    async def redeem() -> httpx.Response:
        return await client.post(
            f"/members/{member_id}/redemptions",
            json={"points": 270, "reason": "flash sale"},
            headers=headers | key(),
        )

    responses = await asyncio.gather(*(redeem() for _ in range(10)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 3 + [422] * 7
    assert sorted(r.json()["balance"] for r in responses if r.status_code == 201) == [90, 360, 630]
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    assert account.balance == 90
    assert sum(e.points for e in await ledger_of(loyalty_sessions, member_id)) == 90
    assert await lots_of(loyalty_sessions, member_id) == [(900, 90)]
    async with loyalty_sessions() as session:
        assert (await check_ledger_invariants(session, members=[member_id])).ok
