"""A till reads a member's tier benefits from orders with its store key, orders asking a
real loyalty over loopback HTTP: by member id, card number or phone; unknown members 404;
bad input refused before loyalty is asked; loyalty down 503."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from shared.db import Sessions
from tests.orders.conftest import KnownMember, StoreKey, is_problem, register
from tests.orders.tenders.till import SERVICE, fund
from tests.stack import Stack, staff_headers

MARKETING = staff_headers("marketing")


@pytest.fixture
async def funded(
    stack: Stack, orders_sessions: Sessions, loyalty_sessions: Sessions
) -> KnownMember:
    return await fund(stack, orders_sessions, loyalty_sessions)


@pytest.fixture
async def at_loyalty(loyalty: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=loyalty) as client:
        yield client


@pytest.fixture
async def tier_of_funded(at_loyalty: httpx.AsyncClient, funded: KnownMember) -> AsyncIterator[str]:
    """The funded member's tier, given benefits at loyalty for the test (none afterwards)."""
    before = await at_loyalty.get(f"/members/{funded.member_id}/benefits", headers=SERVICE)
    assert before.status_code == 200, before.text
    tier: str = before.json()["tier_code"]
    given = [
        {"code": tier, "discount_percent": 7, "birthday_gift": "GIFT-7", "priority_service": True}
    ]
    put = await at_loyalty.put("/program/tier-benefits", json=given, headers=MARKETING)
    assert put.status_code == 200, put.text
    try:
        yield tier
    finally:
        reset = await at_loyalty.put("/program/tier-benefits", json=[], headers=MARKETING)
        assert reset.status_code == 200, reset.text


async def test_a_till_reads_the_benefits_loyalty_gives_by_id_card_or_phone(
    till: httpx.AsyncClient,
    at_loyalty: httpx.AsyncClient,
    store: StoreKey,
    funded: KnownMember,
    tier_of_funded: str,
) -> None:
    by_id = await till.get(f"/members/{funded.member_id}/benefits", headers=store.headers)
    assert by_id.status_code == 200, by_id.text
    body = by_id.json()
    assert (body["member_id"], body["tier_code"]) == (str(funded.member_id), tier_of_funded)
    assert (body["discount_percent"], body["birthday_gift"], body["priority_service"]) == (
        7,
        "GIFT-7",
        True,
    )
    at_source = await at_loyalty.get(f"/members/{funded.member_id}/benefits", headers=SERVICE)
    # loyalty's body, less what only staff need (the end of a manual assignment)
    assert {**body, "assigned_until": None} == at_source.json()
    assert set(body) == {
        "member_id",
        "tier_code",
        "tier_name",
        "discount_percent",
        "birthday_gift",
        "priority_service",
        "points_multiplier_percent",
    }
    by_card = await till.get(
        "/members/benefits", params={"card_number": funded.card_number}, headers=store.headers
    )
    assert by_card.status_code == 200, by_card.text
    assert by_card.json() == body
    typed = f"+86 {funded.phone[:3]} {funded.phone[3:7]} {funded.phone[7:]}"
    by_phone = await till.get("/members/benefits", params={"phone": typed}, headers=store.headers)
    assert by_phone.status_code == 200, by_phone.text
    assert by_phone.json() == body


async def test_loyalty_refuses_a_store_key_that_orders_takes(
    till: httpx.AsyncClient, at_loyalty: httpx.AsyncClient, store: StoreKey, funded: KnownMember
) -> None:
    path = f"/members/{funded.member_id}/benefits"
    assert (await till.get(path, headers=store.headers)).status_code == 200
    is_problem(await at_loyalty.get(path, headers=store.headers), 401)


async def test_members_orders_or_loyalty_do_not_know_are_not_found(
    till: httpx.AsyncClient, stack: Stack, orders_sessions: Sessions, store: StoreKey
) -> None:
    stranger = "0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11"
    path = f"/members/{stranger}/benefits"
    unknown = is_problem(await till.get(path, headers=store.headers), 404)
    assert unknown["type"] == "urn:huiyuan:problem:benefits-not-found"
    assert unknown["errors"][0]["location"] == "path.member_id"
    no_card = is_problem(
        await till.get(
            "/members/benefits", params={"card_number": "8860000000099"}, headers=store.headers
        ),
        404,
    )
    assert no_card["errors"][0]["location"] == "query.card_number"
    no_phone = is_problem(
        await till.get("/members/benefits", params={"phone": "13900000001"}, headers=store.headers),
        404,
    )
    assert "13900000001" not in no_phone["detail"]  # a phone number is never echoed
    only_orders = await register(stack, orders_sessions)  # loyalty has no account for them
    no_account = is_problem(
        await till.get(f"/members/{only_orders.member_id}/benefits", headers=store.headers), 404
    )
    assert no_account["type"] == "urn:huiyuan:problem:benefits-not-found"
    assert no_account["cause"] == "urn:huiyuan:problem:account-not-found"


async def test_with_loyalty_down_the_till_gets_503(
    offline: httpx.AsyncClient, store: StoreKey, member: KnownMember
) -> None:
    for answer in [
        await offline.get(f"/members/{member.member_id}/benefits", headers=store.headers),
        await offline.get(
            "/members/benefits", params={"card_number": member.card_number}, headers=store.headers
        ),
    ]:
        down = is_problem(answer, 503)
        assert down["type"] == "urn:huiyuan:problem:loyalty-unavailable"
        assert down["detail"].startswith("loyalty did not answer")
        assert "without their tier's benefits" in down["detail"]
        assert answer.headers["Retry-After"] == "5"


@pytest.mark.parametrize(
    ("path", "params", "location"),
    [
        ("/members/not-a-uuid/benefits", {}, "path.member_id"),
        ("/members/benefits", {}, "query"),
        ("/members/benefits", {"card_number": "8860000000013", "phone": "13800000000"}, "query"),
        ("/members/benefits", {"card_number": "886 000"}, "query.card_number"),
        ("/members/benefits", {"card_number": "8" * 33}, "query.card_number"),
        ("/members/benefits", {"phone": "+1 312 555 01"}, "query.phone"),
        ("/members/benefits", {"phone": "138\x00"}, "query.phone"),
        ("/members/benefits", {"member": "x", "card_number": "8860000000013"}, "query"),
    ],
)
async def test_bad_input_is_refused_before_loyalty_is_asked(
    offline: httpx.AsyncClient,
    store: StoreKey,
    path: str,
    params: dict[str, Any],
    location: str,
) -> None:
    refused = is_problem(await offline.get(path, params=params, headers=store.headers), 422)
    assert any(e["location"].startswith(location) for e in refused["errors"]), refused


async def test_only_a_store_key_reads_benefits(
    offline: httpx.AsyncClient, member: KnownMember
) -> None:
    path = f"/members/{member.member_id}/benefits"
    is_problem(await offline.get(path), 401)
    is_problem(await offline.get(path, headers=SERVICE), 401)
    is_problem(await offline.get(path, headers={"X-API-Key": "hy_not-a-store-key"}), 401)
