"""A referral over the broker: a friend registers with a member's code at customer, and
the member's referral list at loyalty shows them, masked and pending; the friend's first
paid sale at a store (350.00 yuan, the 30-yuan band of ≥ 100 / 300 / 800 yuan) qualifies
it, and once its return window has passed the due work grants the referrer the band's
coupon, which the referrer holds and the list names."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from services.loyalty.referrals.service import settle
from shared.db import Sessions, transaction
from tests.e2e.conftest import System
from tests.e2e.test_purchase_flow import _store_key
from tests.stack import eventually, member_headers, staff_headers

STAFF = staff_headers("service")
MARKETING = staff_headers("marketing")


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json()


async def _register(system: System, code: str | None = None) -> uuid.UUID:
    body = {"name": "王芳", "phone": f"136{uuid.uuid4().int % 10**8:08d}"}
    body |= {"referral_code": code} if code else {}
    created = _ok(await system["customer"].post("/members", json=body, headers=STAFF), 201)
    return uuid.UUID(created["id"])


async def test_a_friend_registered_with_a_code_is_listed_to_the_referrer(
    system: System,
) -> None:
    referrer = await _register(system)
    mine = member_headers(referrer)
    code = _ok(await system["customer"].get(f"/members/{referrer}", headers=mine))
    friend = await _register(system, code["referral_code"].lower())

    async def listed() -> list[dict[str, Any]]:
        answer = _ok(await system["loyalty"].get(f"/members/{referrer}/referrals", headers=mine))
        items: list[dict[str, Any]] = answer["items"]
        return items

    (item,) = await eventually(listed, timeout=30)
    assert (item["friend"], item["state"]) == ("****" + friend.hex[-4:], "pending")


@pytest.fixture
async def bands(system: System, loyalty_sessions: Sessions) -> AsyncIterator[dict[int, str]]:
    """Cash vouchers of 20, 30 and 50 yuan for friends who spent ≥ 100, 300, 800 yuan; the
    program's referral policy during the test, none after."""
    made: dict[int, str] = {}
    for yuan in (20, 30, 50):
        definition = {
            "name": f"老带新{yuan}元",
            "terms": {"kind": "cash_voucher", "value_fen": yuan * 100},
            "valid_days": 30,
            "per_member_limit": 20,
        }
        headers = MARKETING | {"Idempotency-Key": uuid.uuid4().hex}
        added = _ok(
            await system["loyalty"].post("/coupons/definitions", json=definition, headers=headers),
            201,
        )
        made[yuan] = added["id"]
    policy = {
        "bands": [
            {"min_spend_fen": 10_000, "definition_id": made[20]},
            {"min_spend_fen": 30_000, "definition_id": made[30]},
            {"min_spend_fen": 80_000, "definition_id": made[50]},
        ],
        "monthly_cap": 5,
    }
    _ok(await system["loyalty"].put("/program/referral-policy", json=policy, headers=MARKETING))
    yield made
    async with transaction(loyalty_sessions) as session:
        await session.execute(text("DELETE FROM loyalty.referral_policy"))


async def test_the_friends_first_paid_sale_earns_the_referrer_the_bands_coupon(
    system: System, loyalty_sessions: Sessions, bands: dict[int, str]
) -> None:
    referrer = await _register(system)
    mine = member_headers(referrer)
    code = _ok(await system["customer"].get(f"/members/{referrer}", headers=mine))
    friend = await _register(system, code["referral_code"])
    card = _ok(await system["customer"].get(f"/members/{friend}", headers=STAFF))["card_number"]
    key = await _store_key(system)
    sale = {
        "card_number": card,
        "lines": [
            {"sku": "HP-FISHOIL-60", "category": "health", "quantity": 5, "unit_price_fen": 7_000}
        ],
    }

    async def sold() -> dict[str, Any] | None:
        headers = {"X-API-Key": key, "Idempotency-Key": uuid.uuid4().hex}
        response = await system["orders"].post("/purchases", json=sale, headers=headers)
        if response.status_code == 422 and "unknown" in response.text.lower():
            return None  # the registration has not reached orders yet
        return dict(_ok(response, 201))

    purchase = await eventually(sold, timeout=30, interval=0.1)
    assert purchase["total_fen"] == 35_000

    async def qualified() -> dict[str, Any] | None:
        answer = _ok(await system["loyalty"].get(f"/members/{referrer}/referrals", headers=mine))
        items: list[dict[str, Any]] = answer["items"]
        return items[0] if items and items[0]["state"] == "qualified" else None

    item = await eventually(qualified, timeout=30)
    assert (item["spend_fen"], item["returned_fen"], item["coupon_id"]) == (35_000, 0, None)

    # the due work, as the worker runs it once the return window has passed
    async with transaction(loyalty_sessions) as session:
        await settle(session, uuid.UUID(item["id"]), datetime.fromisoformat(item["due_at"]))
    answer = _ok(await system["loyalty"].get(f"/members/{referrer}/referrals", headers=mine))
    [rewarded] = answer["items"]
    assert (rewarded["state"], rewarded["reward_fen"]) == ("rewarded", 3_000)
    coupons = _ok(await system["loyalty"].get(f"/members/{referrer}/coupons", headers=mine))
    [coupon] = coupons["items"]
    assert (coupon["id"], coupon["definition_id"], coupon["status"]) == (
        rewarded["coupon_id"],
        bands[30],
        "active",
    )
    none = _ok(await system["loyalty"].get(f"/members/{friend}/coupons", headers=STAFF))
    assert none["items"] == []
