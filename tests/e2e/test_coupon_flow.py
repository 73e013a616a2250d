"""A birthday coupon through all five services: customer registers a member born today
(the brand's day), loyalty's birthday job grants the coupon, the till holds it through
orders on a two-line basket, the sale records each line's share of the discount, loyalty
earns on what was paid and redeems the coupon; a return of one line refunds what it paid,
reverses its points and gives the coupon back (the kept line is below the threshold), and
analytics counts the sale and the return at what was paid and refunded.

The basket: 2 × 68.00 yuan of fish oil (health) + 1 × 89.90 yuan of cream (skincare) =
13600 + 8990 = 22590 fen, 满200减30: 3000 fen shared pro rata, ⌊3000 × 13600 / 22590⌋ =
1806 and ⌊3000 × 8990 / 22590⌋ = 1193, the fen left over to the larger line: 1807 and
1193. The lines pay 11793 and 7797, the sale 19590: ⌊195.90⌋ = 195 points at 1 point a
yuan (the gross basket would have earned 225). Returning the cream refunds 7797 and
reverses ⌊195 × 7797 / 19590⌋ = ⌊77.6⌋ = 77 points; the fish oil kept, 13600 fen, is
below 20000, so the coupon comes back.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from services.loyalty.coupons.birthdays.service import grant_birthday_coupons
from shared.db import Sessions
from shared.inputs import input_defaults
from tests.e2e.conftest import System
from tests.e2e.test_purchase_flow import (
    ADMIN,
    _loyalty,
    _member,
    _ok,
    _program,
    _settled_kpis,
    _store_key,
)
from tests.stack import eventually, keyed_events, member_headers, staff_headers

MARKETING = staff_headers("marketing")
SERVICE = staff_headers("service")
LINES: list[dict[str, Any]] = [
    {"sku": "HP-FISHOIL-60", "category": "health", "quantity": 2, "unit_price_fen": 6_800},
    {"sku": "SK-CREAM-50", "category": "skincare", "quantity": 1, "unit_price_fen": 8_990},
]
PAID = 19_590


def _new_key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


@pytest.fixture
async def birthday_definition(system: System) -> AsyncIterator[dict[str, Any]]:
    """满200减30 on everything for seven days, given back when a return leaves the sale
    below the threshold; the program's birthday coupon during the test, none after."""
    definition = {
        "name": "生日满200减30",
        "terms": {"kind": "threshold_off", "threshold_fen": 20_000, "off_fen": 3_000},
        "valid_days": 7,
        "per_member_limit": 10,
        "restore_on_return": "when_below_threshold",
    }
    loyalty = system["loyalty"]
    added = _ok(
        await loyalty.post("/coupons/definitions", json=definition, headers=MARKETING | _new_key()),
        201,
    )
    put = {"definition_id": added["id"]}
    _ok(await loyalty.put("/coupons/birthday", json=put, headers=MARKETING))
    yield dict(added)
    _ok(await loyalty.put("/coupons/birthday", json={"definition_id": None}, headers=MARKETING))


async def _coupons(system: System, member_id: str) -> list[dict[str, Any]]:
    """The member's own view: codes shown whole."""
    listed = await system["loyalty"].get(
        f"/members/{member_id}/coupons", headers=member_headers(uuid.UUID(member_id))
    )
    items: list[dict[str, Any]] = _ok(listed)["items"]
    return items


async def _coupon_state(system: System, member_id: str, reservation_id: str) -> tuple[str, str]:
    """(the hold's status, the coupon's status) at loyalty."""
    hold = await system["loyalty"].get(f"/coupon-reservations/{reservation_id}", headers=SERVICE)
    [coupon] = await _coupons(system, member_id)
    return _ok(hold)["status"], coupon["status"]


async def _hold(system: System, key: str, member: dict[str, Any], code: str) -> dict[str, Any]:
    body = {"card_number": member["card_number"], "sale_ref": "R-E2E-1", "code": code}
    headers = {"X-API-Key": key}

    async def held() -> dict[str, Any] | None:
        response = await system["orders"].post(
            "/coupon-reservations", json=body | {"lines": LINES}, headers=headers | _new_key()
        )
        if response.status_code == 422 and "unknown" in response.text.lower():
            return None  # the registration event has not reached orders yet
        return dict(_ok(response, 201))

    hold: dict[str, Any] = await eventually(held, timeout=15, interval=0.05)
    return hold


async def _analysed(system: System, member_id: str, returned_fen: int) -> dict[str, Any]:
    """Analytics' summary of the member once it counts ``returned_fen`` of refunds."""

    async def counted() -> dict[str, Any] | None:
        response = await system["analytics"].get(f"/members/{member_id}/summary", headers=ADMIN)
        summary: dict[str, Any] = response.json() if response.status_code == 200 else {}
        done = summary.get("purchase_count") == 1 and summary["returned_fen"] == returned_fen
        return summary if done else None

    summary: dict[str, Any] = await eventually(counted, timeout=20)
    return summary


async def test_a_birthday_coupon_is_redeemed_at_the_till_and_restored_by_a_return(
    system: System, loyalty_sessions: Sessions, birthday_definition: dict[str, Any]
) -> None:
    await _program(system)  # 1 point per yuan at the standard tier
    key = await _store_key(system)
    kpis_before = await _settled_kpis(system)
    now = datetime.now(UTC)
    zone = input_defaults().business_timezone
    today = now.astimezone(zone).date()
    member = await _member(system, birthday=today.replace(year=1992))  # 1992: has a 29 Feb
    member_id = member["id"]

    # the birthday job, run as the daily runner would on the brand's day
    await eventually(lambda: _loyalty(system, member_id), timeout=15)  # birthday kept
    assert await grant_birthday_coupons(loyalty_sessions, now) >= 1
    await grant_birthday_coupons(loyalty_sessions, now)  # a rerun grants nothing twice
    [coupon] = await _coupons(system, member_id)
    assert (coupon["definition_id"], coupon["status"]) == (birthday_definition["id"], "active")
    # seven days counting today: until the brand's midnight that ends the seventh
    seventh_ends = datetime.combine(today + timedelta(days=7), time(0), tzinfo=zone)
    assert datetime.fromisoformat(coupon["valid_until"]) == seventh_ends

    hold = await _hold(system, key, member, coupon["code"])
    assert (hold["discount_fen"], hold["status"]) == (3_000, "held")
    assert [(s["line_no"], s["discount_fen"]) for s in hold["lines"]] == [(1, 1_807), (2, 1_193)]
    assert await _coupon_state(system, member_id, hold["coupons"][0]["reservation_id"]) == (
        "held",
        "reserved",
    )

    sale = _ok(
        await system["orders"].post(
            "/purchases",
            json={
                "card_number": member["card_number"],
                "lines": LINES,
                "discounts": [{"coupon_reservation_id": hold["coupons"][0]["reservation_id"]}],
                "tenders": [{"kind": "card", "amount_fen": PAID}],
            },
            headers={"X-API-Key": key} | _new_key(),
        ),
        201,
    )
    assert sale["total_fen"] == PAID
    [discount] = sale["discounts"]
    assert (discount["source"], discount["reservation_id"]) == (
        hold["coupons"][0]["code"],  # masked
        hold["coupons"][0]["reservation_id"],
    )
    recorded = _ok(
        await system["orders"].get(f"/purchases/{sale['id']}", headers={"X-API-Key": key})
    )
    assert [(line["discount_fen"], line["amount_fen"]) for line in recorded["lines"]] == [
        (1_807, 11_793),
        (1_193, 7_797),
    ]

    async def account_is(balance: int, spend_fen: int) -> bool:
        account = await _loyalty(system, member_id)
        return (account.get("balance"), account.get("qualifying_spend_fen")) == (balance, spend_fen)

    await eventually(lambda: account_is(195, PAID), timeout=20)  # on the net: not 225

    async def coupon_is(hold_status: str, coupon_status: str) -> bool:
        state = await _coupon_state(system, member_id, hold["coupons"][0]["reservation_id"])
        return state == (hold_status, coupon_status)

    await eventually(lambda: coupon_is("confirmed", "redeemed"), timeout=20)

    returned = _ok(
        await system["orders"].post(
            f"/purchases/{sale['id']}/returns",
            json={"lines": [{"line_no": 2, "quantity": 1}]},
            headers={"X-API-Key": key} | _new_key(),
        ),
        201,
    )
    assert returned["amount_fen"] == 7_797  # what the cream paid, not its 8990 price
    assert [(line["line_no"], line["discount_fen"]) for line in returned["lines"]] == [(2, 1_193)]
    await eventually(lambda: account_is(118, 11_793), timeout=20)  # 195 − 77
    await eventually(lambda: coupon_is("restored", "active"), timeout=20)  # 13600 < 20000
    ledger = _ok(await system["loyalty"].get(f"/members/{member_id}/ledger", headers=ADMIN))
    assert [(e["kind"], e["points"], e["return_id"]) for e in ledger["items"]] == [
        ("reverse", -77, returned["id"]),
        ("earn", 195, None),
    ]

    events = await keyed_events(
        system.stack.bootstrap_servers,
        "loyalty.events",
        member_id,
        ["loyalty.coupon.granted", "loyalty.coupon.redeemed", "loyalty.coupon.released"],
        wanted=3,
    )
    assert [(e.type, e.data["coupon_id"]) for e in events] == [
        ("loyalty.coupon.granted", coupon["id"]),
        ("loyalty.coupon.redeemed", coupon["id"]),
        ("loyalty.coupon.released", coupon["id"]),
    ]
    redeemed, released = events[1].data, events[2].data
    assert (redeemed["purchase_id"], redeemed["discount_fen"]) == (sale["id"], 3_000)
    assert (released["reason"], released["return_id"]) == ("returned", returned["id"])

    summary = await _analysed(system, member_id, returned_fen=7_797)
    assert (summary["spend_fen"], summary["net_spend_fen"]) == (PAID, 11_793)
    kpis_after = await _settled_kpis(system)
    assert kpis_after["revenue_fen"] - kpis_before["revenue_fen"] == 11_793
    assert kpis_after["purchases"] - kpis_before["purchases"] == 1
