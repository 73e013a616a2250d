"""Two stacked coupons on one sale through orders and a real loyalty over loopback HTTP:
held together, the sale names both (a part of the stack is refused, nothing recorded),
each line records each coupon's share, a return refunds what its line paid and gives back
the coupon the kept basket no longer earns.

By hand: line 1 is 1 × 150 yuan, line 2 1 × 100 yuan. 满200减30 (threshold-off) applies
first: 3000 fen shared pro rata, 1800 and 1200. 10% off (percent-off, cap 50 yuan) then
takes 10% of what is left, 13200 + 8800 = 22000 fen: 2200, shared 1320 and 880. The lines
pay 15000 − 3120 = 11880 and 10000 − 2080 = 7920, the sale 19800. Returning line 2
refunds 7920; 150 yuan kept is below 200, so the threshold-off comes back; the percent-off
still takes 1500 off what is kept and stays redeemed.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.loyalty.till_coupons.invariants import coupon_till_violations
from shared.db import Sessions
from tests.orders.conftest import KnownMember, StoreKey, footprint, is_problem, new_key
from tests.orders.tenders.till import fund, granted
from tests.stack import Stack, eventually, staff_headers

SERVICE = staff_headers("service")
MARKETING = staff_headers("marketing")
LINES: list[dict[str, Any]] = [
    {"sku": "HP-FISHOIL-60", "category": "health", "quantity": 1, "unit_price_fen": 15_000},
    {"sku": "SK-CREAM-50", "category": "skincare", "quantity": 1, "unit_price_fen": 10_000},
]
TERMS = [
    {"kind": "threshold_off", "threshold_fen": 20_000, "off_fen": 3_000},
    {"kind": "percent_off", "percent": 10, "cap_fen": 5_000},
]


@pytest.fixture
async def funded(
    stack: Stack, orders_sessions: Sessions, loyalty_sessions: Sessions
) -> KnownMember:
    return await fund(stack, orders_sessions, loyalty_sessions, fen=0)


async def _stackable_pair(loyalty: str, member: KnownMember) -> dict[str, str]:
    """Grants the member one stackable coupon per :data:`TERMS`: their codes by kind."""
    definitions = [
        {"name": terms["kind"], "terms": terms, "valid_days": 30, "stackable": True}
        for terms in TERMS
    ]
    return {
        coupon["kind"]: coupon["code"] for coupon in await granted(loyalty, member, *definitions)
    }


async def _statuses(loyalty: str, member: KnownMember) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=loyalty) as client:
        own = await client.get(f"/members/{member.member_id}/coupons", headers=SERVICE)
    return {coupon["kind"]: coupon["status"] for coupon in own.json()["items"]}


async def test_a_sale_uses_a_stacked_pair_and_a_return_gives_back_the_threshold_off(
    till: httpx.AsyncClient,
    loyalty: str,
    orders_sessions: Sessions,
    loyalty_sessions: Sessions,
    store: StoreKey,
    funded: KnownMember,
) -> None:
    codes = await _stackable_pair(loyalty, funded)
    basket = {"card_number": funded.card_number, "lines": LINES}
    offered = await till.post("/coupons/validate", json=basket, headers=store.headers)
    assert offered.status_code == 200, offered.text
    stacked = offered.json()["stacked"]
    assert stacked["discount_fen"] == 5_200
    assert [(c["kind"], c["discount_fen"]) for c in stacked["coupons"]] == [
        ("threshold_off", 3_000),
        ("percent_off", 2_200),
    ]
    # the till holds what validation offered, by id; a second hold by code is refused
    by_id = basket | {
        "sale_ref": "R-STACK",
        "coupon_ids": [c["coupon_id"] for c in stacked["coupons"]],
    }
    held = await till.post("/coupon-reservations", json=by_id, headers=store.headers | new_key())
    assert held.status_code == 201, held.text
    asked = basket | {
        "sale_ref": "R-STACK-2",
        "codes": [codes["percent_off"], codes["threshold_off"]],
    }
    again = await till.post("/coupon-reservations", json=asked, headers=store.headers | new_key())
    taken = is_problem(again, 422)
    assert taken["cause"] == "urn:huiyuan:problem:coupon-not-available"
    hold = held.json()
    assert hold["discount_fen"] == 5_200
    assert [(line["line_no"], line["discount_fen"]) for line in hold["lines"]] == [
        (1, 3_120),
        (2, 2_080),
    ]
    threshold, percent = hold["coupons"]
    assert (threshold["kind"], threshold["discount_fen"]) == ("threshold_off", 3_000)
    assert (percent["kind"], percent["discount_fen"]) == ("percent_off", 2_200)

    sale: dict[str, Any] = {
        "card_number": funded.card_number,
        "lines": LINES,
        "tenders": [{"kind": "card", "amount_fen": 19_800}],
    }
    before = await footprint(orders_sessions, store, funded)
    part = sale | {"discounts": [{"coupon_reservation_id": percent["reservation_id"]}]}
    refused = is_problem(
        await till.post("/purchases", json=part, headers=store.headers | new_key()), 422
    )
    assert refused["type"] == "urn:huiyuan:problem:coupon-refused"
    assert refused["errors"][0]["location"] == "body.discounts"
    assert threshold["reservation_id"] in refused["detail"]
    assert await footprint(orders_sessions, store, funded) == before
    assert await _statuses(loyalty, funded) == {
        "threshold_off": "reserved",
        "percent_off": "reserved",
    }

    both = [{"coupon_reservation_id": c["reservation_id"]} for c in (percent, threshold)]
    sold = await till.post(
        "/purchases", json=sale | {"discounts": both}, headers=store.headers | new_key()
    )
    assert sold.status_code == 201, sold.text
    recorded = sold.json()
    assert recorded["total_fen"] == 19_800
    assert [(line["discount_fen"], line["amount_fen"]) for line in recorded["lines"]] == [
        (3_120, 11_880),
        (2_080, 7_920),
    ]
    assert [
        (d["source"], [(s["line_no"], s["discount_fen"]) for s in d["lines"]])
        for d in recorded["discounts"]
    ] == [
        (percent["code"], [(1, 1_320), (2, 880)]),
        (threshold["code"], [(1, 1_800), (2, 1_200)]),
    ]

    async def redeemed() -> bool:
        return set((await _statuses(loyalty, funded)).values()) == {"redeemed"}

    await eventually(redeemed, timeout=30)
    back = await till.post(
        f"/purchases/{recorded['id']}/returns",
        json={"lines": [{"line_no": 2, "quantity": 1}]},
        headers=store.headers | new_key(),
    )
    assert back.status_code == 201, back.text
    assert back.json()["amount_fen"] == 7_920

    async def threshold_back() -> dict[str, str] | None:
        statuses = await _statuses(loyalty, funded)
        return statuses if statuses["threshold_off"] == "active" else None

    assert await eventually(threshold_back, timeout=30) == {
        "threshold_off": "active",
        "percent_off": "redeemed",
    }
    async with loyalty_sessions() as session:
        assert await coupon_till_violations(session, [funded.member_id]) == []
