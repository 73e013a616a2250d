"""Coupons at the till through orders and a real loyalty over loopback HTTP: hold a
coupon on a basket, sell with it (each line's discount as loyalty priced it, the event's
lines at what they pay), loyalty redeems it from the sale's event through the real broker,
a return below the threshold gives it back; a refused commit records nothing, a failure
after the commit releases the coupon, a hold with loyalty down is 503.

The basket: 2 × 74.50 + 1 × 101.23 yuan = 25023 fen, 满150减30: 3000 fen shared pro rata,
⌊3000 × 14900 / 25023⌋ = 1786 and ⌊3000 × 10123 / 25023⌋ = 1213, the fen left over to the
larger line: 1787 and 1213; the lines pay 13113 and 8910, the sale 22023.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.loyalty.till_coupons.invariants import coupon_till_violations
from services.orders.base import outbox
from shared.db import Sessions
from tests.orders.conftest import (
    KnownMember,
    StoreKey,
    footprint,
    is_problem,
    new_key,
    new_store,
)
from tests.orders.tenders.till import fund, granted
from tests.stack import Stack, eventually, keyed_events, staff_headers

SERVICE = staff_headers("service")
MARKETING = staff_headers("marketing")
LINES: list[dict[str, Any]] = [
    {"sku": "HP-FISHOIL-60", "category": "health", "quantity": 2, "unit_price_fen": 7_450},
    {"sku": "SK-CREAM-50", "category": "skincare", "quantity": 1, "unit_price_fen": 10_123},
]
PAID = 22_023


@pytest.fixture
async def funded(
    stack: Stack, orders_sessions: Sessions, loyalty_sessions: Sessions
) -> KnownMember:
    return await fund(stack, orders_sessions, loyalty_sessions, fen=0)


async def _coupon(loyalty: str, member: KnownMember) -> str:
    """Grants the member a 满150减30 coupon on everything; its code as the member reads it."""
    definition = {
        "name": "满150减30",
        "terms": {"kind": "threshold_off", "threshold_fen": 15_000, "off_fen": 3_000},
        "valid_days": 30,
    }
    [coupon] = await granted(loyalty, member, definition)
    code: str = coupon["code"]
    return code


async def _loyalty_view(loyalty: str, member: KnownMember, reservation_id: str) -> tuple[str, str]:
    """(the reservation's status, the coupon's status) at loyalty."""
    async with httpx.AsyncClient(base_url=loyalty) as client:
        reservation = await client.get(f"/coupon-reservations/{reservation_id}", headers=SERVICE)
        coupons = await client.get(f"/members/{member.member_id}/coupons", headers=SERVICE)
    return reservation.json()["status"], coupons.json()["items"][0]["status"]


async def _hold(
    till: httpx.AsyncClient, store: StoreKey, member: KnownMember, code: str
) -> httpx.Response:
    body = {"card_number": member.card_number, "sale_ref": "R-9", "code": code, "lines": LINES}
    return await till.post("/coupon-reservations", json=body, headers=store.headers | new_key())


async def _sell(
    till: httpx.AsyncClient,
    store: StoreKey,
    member: KnownMember,
    reservation_id: str,
    lines: list[dict[str, Any]] | None = None,
    tenders: list[dict[str, Any]] | None = None,
) -> httpx.Response:
    body = {
        "card_number": member.card_number,
        "lines": LINES if lines is None else lines,
        "discounts": [{"coupon_reservation_id": reservation_id}],
        "tenders": tenders or [{"kind": "card", "amount_fen": PAID}],
    }
    return await till.post("/purchases", json=body, headers=store.headers | new_key())


async def test_a_sale_uses_a_held_coupon_and_a_return_below_the_threshold_gives_it_back(
    stack: Stack,
    till: httpx.AsyncClient,
    loyalty: str,
    orders_sessions: Sessions,
    loyalty_sessions: Sessions,
    store: StoreKey,
    funded: KnownMember,
) -> None:
    code = await _coupon(loyalty, funded)
    held = await _hold(till, store, funded, code)
    assert held.status_code == 201, held.text
    hold = held.json()
    assert (hold["discount_fen"], hold["status"]) == (3_000, "held")
    assert [(s["line_no"], s["discount_fen"]) for s in hold["lines"]] == [(1, 1_787), (2, 1_213)]

    sold = await _sell(till, store, funded, hold["coupons"][0]["reservation_id"])
    assert sold.status_code == 201, sold.text
    sale = sold.json()
    assert sale["total_fen"] == PAID
    assert [(line["discount_fen"], line["amount_fen"]) for line in sale["lines"]] == [
        (1_787, 13_113),
        (1_213, 8_910),
    ]
    [discount] = sale["discounts"]
    assert (discount["source"], discount["reservation_id"]) == (
        hold["coupons"][0]["code"],
        hold["coupons"][0]["reservation_id"],
    )
    async with orders_sessions() as session:
        [envelope] = await session.scalars(
            select(outbox.table.c.envelope).where(
                outbox.table.c.event_type == "orders.purchase.completed",
                outbox.table.c.envelope["subject"].astext == sale["id"],
            )
        )
    # what loyalty's rules earn on: each line at what it pays, its discount beside it
    assert [(line["amount_fen"], line["discount_fen"]) for line in envelope["data"]["lines"]] == [
        (13_113, 1_787),
        (8_910, 1_213),
    ]
    # the coupons the sale used, which loyalty redeems (and no other committed to its id)
    assert envelope["data"]["coupon_reservations"] == [hold["coupons"][0]["reservation_id"]]

    async def redeemed() -> bool:
        return await _loyalty_view(loyalty, funded, hold["coupons"][0]["reservation_id"]) == (
            "confirmed",
            "redeemed",
        )

    await eventually(redeemed, timeout=30)  # orders' relay → broker → loyalty's consumer
    again = await _hold(till, store, funded, code)
    assert is_problem(again, 422)["cause"] == "urn:huiyuan:problem:coupon-not-available"

    back = await till.post(
        f"/purchases/{sale['id']}/returns",
        json={"lines": [{"line_no": 2, "quantity": 1}]},
        headers=store.headers | new_key(),
    )
    assert back.status_code == 201, back.text
    assert back.json()["amount_fen"] == 8_910  # what the line paid

    async def restored() -> bool:
        return await _loyalty_view(loyalty, funded, hold["coupons"][0]["reservation_id"]) == (
            "restored",
            "active",
        )

    await eventually(restored, timeout=30)  # 149 yuan kept is below 150
    published = await keyed_events(
        stack.bootstrap_servers,
        "loyalty.events",
        str(funded.member_id),
        ["loyalty.coupon.redeemed", "loyalty.coupon.released"],
        wanted=2,
    )
    assert [(e.type, e.data.get("reason")) for e in published] == [
        ("loyalty.coupon.redeemed", None),
        ("loyalty.coupon.released", "returned"),
    ]
    assert published[0].data["purchase_id"] == sale["id"]
    async with loyalty_sessions() as session:
        assert await coupon_till_violations(session, [funded.member_id]) == []


async def test_a_sale_that_is_not_the_held_basket_is_refused_and_records_nothing(
    till: httpx.AsyncClient,
    loyalty: str,
    orders_sessions: Sessions,
    store: StoreKey,
    funded: KnownMember,
) -> None:
    hold = (await _hold(till, store, funded, await _coupon(loyalty, funded))).json()
    before = await footprint(orders_sessions, store, funded)
    more = [LINES[0], {**LINES[1], "quantity": 2}]
    refused = is_problem(
        await _sell(
            till,
            store,
            funded,
            hold["coupons"][0]["reservation_id"],
            more,
            [{"kind": "cash", "amount_fen": 40_000}],
        ),
        422,
    )
    assert refused["type"] == "urn:huiyuan:problem:coupon-refused"
    assert refused["cause"] == "urn:huiyuan:problem:coupon-basket-mismatch"
    assert "line 2 is SK-CREAM-50 × 2" in refused["detail"]
    assert refused["errors"][0]["location"] == "body.discounts.0.coupon_reservation_id"
    assert await footprint(orders_sessions, store, funded) == before
    assert await _loyalty_view(loyalty, funded, hold["coupons"][0]["reservation_id"]) == (
        "held",
        "reserved",
    )


async def test_a_sale_failing_after_the_commit_gives_the_coupon_back(
    till: httpx.AsyncClient,
    loyalty: str,
    orders_sessions: Sessions,
    store: StoreKey,
    funded: KnownMember,
) -> None:
    hold = (await _hold(till, store, funded, await _coupon(loyalty, funded))).json()
    before = await footprint(orders_sessions, store, funded)
    no_points = [
        {"kind": "points", "amount_fen": 1_000, "reservation_id": str(uuid.uuid4())},
        {"kind": "card", "amount_fen": PAID - 1_000},
    ]
    refused = is_problem(
        await _sell(till, store, funded, hold["coupons"][0]["reservation_id"], None, no_points), 422
    )
    assert refused["cause"] == "urn:huiyuan:problem:reservation-not-found"
    assert await footprint(orders_sessions, store, funded) == before
    assert await _loyalty_view(loyalty, funded, hold["coupons"][0]["reservation_id"]) == (
        "released",
        "active",
    )


async def test_another_store_cannot_use_a_hold_and_the_till_voids_it(
    till: httpx.AsyncClient,
    loyalty: str,
    orders_sessions: Sessions,
    store: StoreKey,
    funded: KnownMember,
) -> None:
    hold = (await _hold(till, store, funded, await _coupon(loyalty, funded))).json()
    elsewhere = await new_store(orders_sessions, "Another store")
    refused = is_problem(
        await _sell(till, elsewhere, funded, hold["coupons"][0]["reservation_id"]), 422
    )
    assert refused["type"] == "urn:huiyuan:problem:coupon-refused"
    path = f"/coupon-reservations/{hold['coupons'][0]['reservation_id']}/release"
    released = await till.post(path, headers=store.headers | new_key())
    assert released.status_code == 200, released.text
    assert released.json()["status"] == "released"
    assert await _loyalty_view(loyalty, funded, hold["coupons"][0]["reservation_id"]) == (
        "released",
        "active",
    )


async def test_with_loyalty_down_a_coupon_hold_is_503(
    offline: httpx.AsyncClient, store: StoreKey, funded: KnownMember
) -> None:
    body = {
        "card_number": funded.card_number,
        "sale_ref": "R-9",
        "code": "7K2M-QX9D-4HTR-D",
        "lines": LINES,
    }
    down = is_problem(
        await offline.post("/coupon-reservations", json=body, headers=store.headers | new_key()),
        503,
    )
    assert down["type"] == "urn:huiyuan:problem:loyalty-unavailable"
    assert "no coupon was used" in down["detail"]


async def test_a_discount_names_a_held_coupon_or_its_source_and_amount(
    client: httpx.AsyncClient, store: StoreKey, member: KnownMember
) -> None:
    held = {"coupon_reservation_id": str(uuid.uuid4())}
    for discounts, location in [
        ([{"amount_fen": 100}], "body.discounts.0"),
        ([held | {"lines": [1]}], "body.discounts.0"),
    ]:
        body = {"card_number": member.card_number, "lines": LINES, "discounts": discounts}
        refused = is_problem(
            await client.post("/purchases", json=body, headers=store.headers | new_key()), 422
        )
        assert refused["errors"][0]["location"].startswith(location), refused
    sale = {
        "idempotency_key": "R-held",
        "card_number": member.card_number,
        "lines": LINES,
        "discounts": [held],
    }
    batch = await client.post("/purchases:batch", json={"sales": [sale]}, headers=store.headers)
    [result] = batch.json()["results"]
    assert result["status"] == 422, result
    assert result["error"]["type"] == "urn:huiyuan:problem:invalid-discount"
    assert "takes no held coupon" in result["error"]["detail"]


async def test_a_till_prices_a_basket_with_the_member_s_coupons_by_its_store_key(
    till: httpx.AsyncClient, loyalty: str, store: StoreKey, funded: KnownMember
) -> None:
    """The 满150减30 applies with its hand-computed shares; a 满500减80 the member also holds
    does not (25023 fen is below 50000), with its reason; nothing is held."""
    code = await _coupon(loyalty, funded)
    async with httpx.AsyncClient(base_url=loyalty) as client:
        bigger = {
            "name": "满500减80",
            "terms": {"kind": "threshold_off", "threshold_fen": 50_000, "off_fen": 8_000},
            "valid_days": 30,
        }
        added = await client.post(
            "/coupons/definitions", json=bigger, headers=MARKETING | new_key()
        )
        granted = await client.post(
            f"/members/{funded.member_id}/coupons",
            json={"definition_id": added.json()["id"], "grant_key": "till"},
            headers=SERVICE | new_key(),
        )
        assert granted.status_code == 201, granted.text

    basket = {"card_number": funded.card_number, "lines": LINES}
    priced = await till.post("/coupons/validate", json=basket, headers=store.headers)

    assert priced.status_code == 200, priced.text
    [applies] = priced.json()["applicable"]
    assert priced.json()["stacked"]["coupons"] == [applies]
    assert applies["code"].endswith(code[-6:])
    assert applies["code"].startswith("****")
    assert (applies["name"], applies["discount_fen"]) == ("满150减30", 3_000)
    assert applies["lines"] == [
        {"line_no": 1, "discount_fen": 1_787},
        {"line_no": 2, "discount_fen": 1_213},
    ]
    [refused] = priced.json()["not_applicable"]
    assert (refused["name"], refused["reason"]) == ("满500减80", "below_threshold")
    assert await _loyalty_view_of_coupons(loyalty, funded) == {"active"}


async def _loyalty_view_of_coupons(loyalty: str, member: KnownMember) -> set[str]:
    async with httpx.AsyncClient(base_url=loyalty) as client:
        coupons = await client.get(f"/members/{member.member_id}/coupons", headers=SERVICE)
    return {coupon["status"] for coupon in coupons.json()["items"]}


async def test_a_basket_s_coupons_need_a_known_member_a_store_key_and_loyalty(
    till: httpx.AsyncClient,
    offline: httpx.AsyncClient,
    store: StoreKey,
    funded: KnownMember,
) -> None:
    basket = {"card_number": funded.card_number, "lines": LINES}
    unknown = basket | {"card_number": "8869999999999"}
    assert is_problem(
        await till.post("/coupons/validate", json=unknown, headers=store.headers), 422
    )["errors"][0]["location"].startswith("body")
    nobody = {"lines": LINES}
    is_problem(await till.post("/coupons/validate", json=nobody, headers=store.headers), 422)
    is_problem(await till.post("/coupons/validate", json=basket), 401)
    down = is_problem(
        await offline.post("/coupons/validate", json=basket, headers=store.headers), 503
    )
    assert down["type"] == "urn:huiyuan:problem:loyalty-unavailable"
    assert "without a coupon" in down["detail"]
