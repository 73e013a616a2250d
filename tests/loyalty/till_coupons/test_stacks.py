"""Several stacked coupons held for one sale: priced together in the stacking order, held
all or none, committed and released together, given back on returns each as its
definition says; racing holds of overlapping coupons never hold part of a stack.

The basket: line 1 is 1 × 150 yuan of health, line 2 1 × 100 yuan of skincare. 满200减30
(threshold-off) takes 3000 fen shared 1800 / 1200; 10% off (percent-off, cap 50 yuan) then
takes 10% of what is left, 13200 + 8800 = 22000 fen: 2200 shared 1320 / 880.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import text

from services.loyalty.accounts.invariants import Invariant
from services.loyalty.till_coupons.invariants import coupon_till_violations
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.events.orders import PurchaseCompleted, PurchaseLine
from tests.loyalty.conftest import handle, key, problem
from tests.loyalty.till_coupons.conftest import (
    SERVICE,
    STORE,
    Holder,
    member_with,
    returned_event,
    sound,
)
from tests.orders.conftest import served_loyalty
from tests.stack import Stack

LINES: list[dict[str, Any]] = [
    {
        "line_no": 1,
        "sku": "HP-FISHOIL-60",
        "category": "health",
        "quantity": 1,
        "amount_fen": 15_000,
    },
    {
        "line_no": 2,
        "sku": "SK-CREAM-50",
        "category": "skincare",
        "quantity": 1,
        "amount_fen": 10_000,
    },
]
THRESHOLD = {"kind": "threshold_off", "threshold_fen": 20_000, "off_fen": 3_000}
PERCENT = {"kind": "percent_off", "percent": 10, "cap_fen": 5_000}


def _hold_body(member: uuid.UUID, codes: list[str], sale_ref: str = "R-1") -> dict[str, Any]:
    return {
        "member_id": str(member),
        "store_id": str(STORE),
        "sale_ref": sale_ref,
        "codes": codes,
        "lines": LINES,
    }


async def _statuses(client: httpx.AsyncClient, member: uuid.UUID) -> dict[str, str]:
    own = await client.get(f"/members/{member}/coupons", headers=SERVICE)
    return {coupon["kind"]: coupon["status"] for coupon in own.json()["items"]}


def _per_line(lines: list[dict[str, int]]) -> dict[int, int]:
    return {line["line_no"]: line["discount_fen"] for line in lines}


async def test_a_stacked_pair_is_held_priced_together_and_given_back_per_definition(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member, coupons = await member_with(client, loyalty_sessions, PERCENT, THRESHOLD)
    # named percent-off first: still priced threshold-off first
    codes = [coupons["percent_off"]["code"], coupons["threshold_off"]["code"]]
    response = await client.post(
        "/coupon-reservations", json=_hold_body(member, codes), headers=SERVICE | key()
    )
    assert response.status_code == 201, response.text
    held = response.json()
    assert [c["kind"] for c in held["coupons"]] == ["threshold_off", "percent_off"]
    threshold, percent = held["coupons"]
    assert (threshold["discount_fen"], _per_line(threshold["lines"])) == (
        3_000,
        {1: 1_800, 2: 1_200},
    )
    assert (percent["discount_fen"], _per_line(percent["lines"])) == (2_200, {1: 1_320, 2: 880})
    assert (held["discount_fen"], _per_line(held["lines"])) == (5_200, {1: 3_120, 2: 2_080})
    assert await _statuses(client, member) == {
        "threshold_off": "reserved",
        "percent_off": "reserved",
    }
    read = await client.get(f"/coupon-reservations/{percent['reservation_id']}", headers=SERVICE)
    assert read.json() == held

    purchase_id = uuid.uuid4()
    committed = await client.post(
        f"/coupon-reservations/{percent['reservation_id']}/commit",  # one commits the stack
        json={
            "store_id": str(STORE),
            "member_id": str(member),
            "purchase_id": str(purchase_id),
            "lines": [{k: v for k, v in line.items() if k != "category"} for line in LINES],
        },
        headers=SERVICE | key(),
    )
    assert committed.status_code == 200, committed.text
    assert [c["status"] for c in committed.json()["coupons"]] == ["committed", "committed"]
    await handle(loyalty_sessions, _sale(member, purchase_id))
    assert await _statuses(client, member) == {
        "threshold_off": "redeemed",
        "percent_off": "redeemed",
    }

    # line 2 back: 150 yuan kept is below 200, the threshold-off comes back; the
    # percent-off still takes 10% off what is kept and stays used
    await handle(loyalty_sessions, returned_event(Holder(member, "", ""), purchase_id, {2: 1}))
    assert await _statuses(client, member) == {"threshold_off": "active", "percent_off": "redeemed"}
    after = (
        await client.get(f"/coupon-reservations/{percent['reservation_id']}", headers=SERVICE)
    ).json()
    assert after["status"] == "confirmed"
    assert [c["status"] for c in after["coupons"]] == ["restored", "confirmed"]
    await handle(loyalty_sessions, returned_event(Holder(member, "", ""), purchase_id, {1: 1}))
    assert await _statuses(client, member) == {"threshold_off": "active", "percent_off": "active"}
    await sound(loyalty_sessions, Holder(member, "", ""))


def _sale(member: uuid.UUID, purchase_id: uuid.UUID) -> CloudEvent:
    shares = {1: 3_120, 2: 2_080}
    lines = tuple(
        PurchaseLine(
            line_no=line["line_no"],
            sku=line["sku"],
            category=line["category"],
            quantity=1,
            unit_price_fen=line["amount_fen"],
            amount_fen=line["amount_fen"] - shares[line["line_no"]],
            discount_fen=shares[line["line_no"]],
        )
        for line in LINES
    )
    payload = PurchaseCompleted(
        purchase_id=purchase_id,
        member_id=member,
        store_id=STORE,
        lines=lines,
        total_fen=sum(line.amount_fen for line in lines),
        purchased_at=datetime.now(UTC),
    )
    return CloudEvent.of(payload, source="/huiyuan/orders")


async def test_a_stack_the_rules_refuse_holds_nothing_and_names_the_coupon(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member, coupons = await member_with(
        client, loyalty_sessions, THRESHOLD, PERCENT, stackable=False
    )
    codes = [coupons["threshold_off"]["code"], coupons["percent_off"]["code"]]
    refused = await client.post(
        "/coupon-reservations", json=_hold_body(member, codes), headers=SERVICE | key()
    )
    answer = problem(refused, 422)
    assert answer["type"].endswith("coupon-not-applicable")
    assert answer["detail"].startswith("not_stackable: ")
    assert answer["errors"][0]["location"] == "body.codes.0"
    assert await _statuses(client, member) == {"threshold_off": "active", "percent_off": "active"}

    # stackable, but the threshold is not met on a 120-yuan basket: the threshold-off is
    # named, and the percent-off is not held either
    member, coupons = await member_with(client, loyalty_sessions, THRESHOLD, PERCENT)
    small = _hold_body(member, [c["code"] for c in coupons.values()])
    small["lines"] = [LINES[0] | {"amount_fen": 12_000}]
    refused = await client.post("/coupon-reservations", json=small, headers=SERVICE | key())
    answer = problem(refused, 422)
    assert answer["detail"].startswith("below_threshold: ")
    field = f"codes.{list(coupons).index('threshold_off')}"
    assert answer["errors"][0]["location"] == f"body.{field}"
    assert await _statuses(client, member) == {"threshold_off": "active", "percent_off": "active"}
    async with loyalty_sessions() as session:
        rows = await session.scalar(
            text("SELECT count(*) FROM loyalty.coupon_redemptions WHERE member_id = :m"),
            {"m": member},
        )
    assert rows == 0


async def test_a_stack_with_one_coupon_taken_rolls_back_whole(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member, coupons = await member_with(client, loyalty_sessions, THRESHOLD, PERCENT)
    alone = _hold_body(member, [])
    del alone["codes"]
    alone["coupon_ids"] = [coupons["percent_off"]["id"]]
    first = await client.post("/coupon-reservations", json=alone, headers=SERVICE | key())
    assert first.status_code == 201, first.text
    both = _hold_body(member, [])
    del both["codes"]
    both["coupon_ids"] = [coupons["threshold_off"]["id"], coupons["percent_off"]["id"]]
    taken = await client.post("/coupon-reservations", json=both, headers=SERVICE | key())
    answer = problem(taken, 409)
    assert answer["type"].endswith("coupon-not-available")
    assert answer["errors"][0]["location"] == "body.coupon_ids.1"
    assert await _statuses(client, member) == {"threshold_off": "active", "percent_off": "reserved"}
    await sound(loyalty_sessions, Holder(member, "", ""))


async def test_holds_racing_for_overlapping_stacks_never_hold_part_of_one(
    stack: Stack, client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member, coupons = await member_with(
        client, loyalty_sessions, THRESHOLD, PERCENT, {"kind": "cash_voucher", "value_fen": 1_000}
    )
    ids = {kind: coupon["id"] for kind, coupon in coupons.items()}
    sets = [
        [ids["threshold_off"], ids["percent_off"]],
        [ids["cash_voucher"], ids["percent_off"]],  # named the other way round: no deadlock
        [ids["percent_off"], ids["threshold_off"], ids["cash_voucher"]],
    ]
    async with served_loyalty(stack) as url, httpx.AsyncClient(base_url=url) as http:
        answers = await asyncio.gather(
            *(
                http.post(
                    "/coupon-reservations",
                    json={
                        "member_id": str(member),
                        "store_id": str(STORE),
                        "sale_ref": f"R-{n}",
                        "coupon_ids": sets[n % 3],
                        "lines": LINES,
                    },
                    headers=SERVICE | key(),
                )
                for n in range(12)
            )
        )
    assert Counter(answer.status_code for answer in answers) == {201: 1, 409: 11}
    [won] = [answer.json() for answer in answers if answer.status_code == 201]
    held = {coupon["coupon_id"] for coupon in won["coupons"]}
    statuses = {ids[kind]: status for kind, status in (await _statuses(client, member)).items()}
    assert {cid for cid, status in statuses.items() if status == "reserved"} == held
    assert all(status == "active" for cid, status in statuses.items() if cid not in held)
    await sound(loyalty_sessions, Holder(member, "", ""))


async def test_a_hold_names_its_coupons_one_way_and_only_the_member_s(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member, coupons = await member_with(client, loyalty_sessions, THRESHOLD, PERCENT)
    other, theirs = await member_with(client, loyalty_sessions, PERCENT)
    codes = [coupon["code"] for coupon in coupons.values()]
    for wrong, location in [
        ({"code": codes[0]}, "body"),  # codes too: two ways at once
        ({"codes": []}, "body.codes"),
        ({"codes": codes * 3}, "body.codes"),  # 6: more than one of each kind
    ]:
        sent = _hold_body(member, codes) | wrong
        answer = problem(
            await client.post("/coupon-reservations", json=sent, headers=SERVICE | key()), 422
        )
        assert answer["errors"][0]["location"].startswith(location), answer
    stolen = _hold_body(member, [])
    del stolen["codes"]
    stolen["coupon_ids"] = [coupons["threshold_off"]["id"], theirs["percent_off"]["id"]]
    answer = problem(
        await client.post("/coupon-reservations", json=stolen, headers=SERVICE | key()), 404
    )
    assert answer["type"].endswith("coupon-not-found")
    assert answer["errors"][0]["location"] == "body.coupon_ids.1"
    assert await _statuses(client, member) == {"threshold_off": "active", "percent_off": "active"}
    assert await _statuses(client, other) == {"percent_off": "active"}


async def test_the_audit_finds_a_hold_used_in_part(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member, coupons = await member_with(client, loyalty_sessions, THRESHOLD, PERCENT)
    codes = [coupon["code"] for coupon in coupons.values()]
    held = await client.post(
        "/coupon-reservations", json=_hold_body(member, codes), headers=SERVICE | key()
    )
    assert held.status_code == 201, held.text
    [first, second] = held.json()["coupons"]
    await sound(loyalty_sessions, Holder(member, "", ""))
    async with transaction(loyalty_sessions) as session:
        await session.execute(
            text(
                "UPDATE loyalty.coupon_redemptions SET status = 'committed', purchase_id = :p "
                "WHERE reservation_id = :r"
            ),
            {"p": uuid.uuid4(), "r": first["reservation_id"]},
        )
    async with loyalty_sessions() as session:
        found = await coupon_till_violations(session, [member])
    assert [(v.invariant, str(v.subject)) for v in found] == [
        (Invariant.COUPON_HOLDS, held.json()["hold_id"])
    ]
    async with transaction(loyalty_sessions) as session:  # leave the database sound
        await session.execute(
            text(
                "UPDATE loyalty.coupon_redemptions SET status = 'held', purchase_id = NULL "
                "WHERE reservation_id = :r"
            ),
            {"r": first["reservation_id"]},
        )
    assert second["status"] == "held"
