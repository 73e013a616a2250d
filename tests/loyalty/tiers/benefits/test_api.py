"""Benefits per tier over HTTP: set by marketing, read for a member by the member or staff
(tills read them through orders: tests/orders/benefits); every bad input refused with a
problem naming it, nothing written."""

from __future__ import annotations

import uuid

import httpx

from shared.db import Sessions
from tests.loyalty.conftest import funded_member, problem
from tests.stack import member_headers, staff_headers

MARKETING = staff_headers("marketing")
SERVICE = staff_headers("service")


async def test_benefits_per_tier_reach_the_member_and_staff(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    benefits = [
        {"code": "vip", "discount_percent": 5, "birthday_gift": "GIFT-BDAY-VIP"},
        {"code": "star", "discount_percent": 10, "priority_service": True},
    ]
    try:
        put = await client.put("/program/tier-benefits", json=benefits, headers=MARKETING)
        assert put.status_code == 200, put.text
        tiers = {t["code"]: t for t in put.json()["tiers"]}
        assert list(tiers) == ["standard", "vip", "star", "angel"]
        assert tiers["vip"] == {
            "code": "vip",
            "discount_percent": 5,
            "birthday_gift": "GIFT-BDAY-VIP",
            "priority_service": False,
            "points_multiplier_percent": 120,
        }
        assert tiers["angel"]["discount_percent"] == 0
        member = await funded_member(loyalty_sessions, 150_000)  # vip
        mine = await client.get(f"/members/{member}/benefits", headers=member_headers(member))
        assert mine.status_code == 200, mine.text
        assert {k: v for k, v in mine.json().items() if k != "member_id"} == {
            "tier_code": "vip",
            "tier_name": "VIP贵宾",
            "assigned_until": None,
            "discount_percent": 5,
            "birthday_gift": "GIFT-BDAY-VIP",
            "priority_service": False,
            "points_multiplier_percent": 120,
        }
        by_staff = await client.get(f"/members/{member}/benefits", headers=SERVICE)
        assert by_staff.json() == mine.json()
        other = member_headers(uuid.uuid4())
        problem(await client.get(f"/members/{member}/benefits", headers=other), 403)
        problem(await client.get(f"/members/{uuid.uuid4()}/benefits", headers=SERVICE), 404)
        problem(await client.get(f"/members/{member}/benefits"), 401)
        unknown_key = {"X-API-Key": "hy_not-a-store-key"}
        problem(await client.get(f"/members/{member}/benefits", headers=unknown_key), 401)
    finally:
        reset = await client.put("/program/tier-benefits", json=[], headers=MARKETING)
        assert reset.status_code == 200, reset.text


async def test_bad_benefits_are_refused_and_nothing_changes(client: httpx.AsyncClient) -> None:
    before = (await client.get("/program/tier-benefits", headers=SERVICE)).json()
    vip = {"code": "vip", "discount_percent": 5}
    for body, where in [
        ([{**vip, "discount_percent": 101}], "discount_percent"),
        ([{**vip, "birthday_gift": "礼物 gift"}], "birthday_gift"),
        ([{**vip, "priority_service": "yes"}], "priority_service"),
    ]:
        answer = problem(
            await client.put("/program/tier-benefits", json=body, headers=MARKETING), 422
        )
        assert where in str(answer)
    for body, detail in [
        ([{**vip, "code": "gold"}], "not on the ladder: gold"),
        ([vip, vip], "named more than once: vip"),
    ]:
        answer = problem(
            await client.put("/program/tier-benefits", json=body, headers=MARKETING), 422
        )
        assert answer["type"] == "urn:huiyuan:problem:invalid-tier-benefits"
        assert detail in answer["detail"]
    assert (await client.get("/program/tier-benefits", headers=SERVICE)).json() == before
