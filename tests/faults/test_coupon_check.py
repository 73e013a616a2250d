"""The coupon part of the checker must be able to fail: it finds an acknowledged coupon
sale whose coupon was never redeemed, a coupon kept redeemed although the acknowledged
returns took the sale below the threshold, a coupon redeemed by a sale nobody
acknowledged, a line whose discount is not its coupons' shares, and a stacked hold used
in part; the holds no sale used are left to the sweep, which gives them back.

The coupons are the load's 满100减10 and 5% off (cap 20 yuan) on the conftest's basket:
2 × 74.50 + 1 × 101.23 yuan.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import asyncpg
import httpx
from sqlalchemy import text

from shared.db import Sessions, asyncpg_dsn, transaction
from tests.faults.coupon_check import (
    check_coupons,
    check_coupons_run_out,
    check_discounts,
    restore_expected,
    stacked_shares,
)
from tests.faults.records import Acknowledged, LoadLog
from tests.faults.till_load import COUPON_TERMS
from tests.faults.verdict import Verdict
from tests.loyalty.conftest import handle, key
from tests.loyalty.till_coupons.conftest import (
    BASKET,
    SERVICE,
    STORE,
    Holder,
    commit,
    hold,
    holder,
    member_with,
    returned_event,
    sale_event,
)
from tests.stack import Stack, running

TERMS = COUPON_TERMS["threshold_off"]
LINES = [
    {"line_no": 1, "quantity": 2, "unit_price_fen": 7_450},
    {"line_no": 2, "quantity": 1, "unit_price_fen": 10_123},
]


BOTH = ["percent_off", "threshold_off"]


def test_a_return_gives_the_coupon_back_once_what_is_kept_is_below_100_yuan() -> None:
    sale = {"lines": LINES}
    one = {"lines": [{"line_no": 1, "quantity": 1}]}
    alone = ["threshold_off"]
    assert restore_expected(sale, [], alone) == {"threshold_off": False}
    assert not restore_expected(sale, [one], alone)["threshold_off"]  # 74.50 + 101.23 yuan
    assert not restore_expected(sale, [one, one], alone)["threshold_off"]  # kept 101.23 yuan
    second = {"lines": [{"line_no": 2, "quantity": 1}]}
    assert restore_expected(sale, [second, one], alone)["threshold_off"]  # kept 74.50 yuan


def test_stacked_the_percent_off_comes_back_only_with_everything() -> None:
    sale = {"lines": LINES}
    first = {"lines": [{"line_no": 1, "quantity": 1}]}
    second = {"lines": [{"line_no": 2, "quantity": 1}]}
    kept = {"threshold_off": False, "percent_off": False}
    assert restore_expected(sale, [first], BOTH) == kept  # kept 175.73 yuan
    # kept 74.50 yuan: below 满100, but 5% of it is 3.72 yuan
    assert restore_expected(sale, [first, second], BOTH) == kept | {"threshold_off": True}
    assert restore_expected(sale, [first, second, first], BOTH) == {
        "threshold_off": True,
        "percent_off": True,
    }


def test_stacked_the_percent_off_is_priced_on_what_the_threshold_off_left() -> None:
    # 满100减10 on 149.00 + 101.23 yuan: 1000 × 14900 / 25023 = 595, 404, the fen left
    # to line 1; 5% of what is left (14304 + 9719 = 24023 fen) is 1201: 715, 485, +1
    assert stacked_shares(BOTH, {1: 14_900, 2: 10_123}) == {
        "threshold_off": {1: 596, 2: 404},
        "percent_off": {1: 716, 2: 485},
    }
    # below the threshold the threshold-off takes nothing; 5% of 1500 yuan is capped
    assert stacked_shares(BOTH, {1: 9_999}) == {"threshold_off": {}, "percent_off": {1: 499}}
    assert stacked_shares(["percent_off"], {1: 150_000}) == {"percent_off": {1: 2_000}}


def test_the_checker_reports_a_line_whose_discount_is_not_its_coupons_shares() -> None:
    coupons = [
        {"reservation_id": "a", "kind": "threshold_off"},
        {"reservation_id": "b", "kind": "percent_off"},
    ]
    discounts: list[dict[str, Any]] = [
        {
            "reservation_id": "a",
            "lines": [{"line_no": 1, "discount_fen": 596}, {"line_no": 2, "discount_fen": 404}],
        },
        {
            "reservation_id": "b",
            "lines": [{"line_no": 1, "discount_fen": 716}, {"line_no": 2, "discount_fen": 485}],
        },
    ]
    lines = [line | {"discount_fen": fen} for line, fen in zip(LINES, (1_312, 889), strict=True)]
    sale = {"lines": lines, "discounts": discounts}
    verdict = Verdict()
    assert check_discounts("k-1", sale, coupons, verdict) == {"a": 1_000, "b": 1_201}
    assert verdict.unexpected == []
    lines[1]["discount_fen"] = 888
    discounts[1]["lines"][0]["discount_fen"] = 717
    check_discounts("k-1", sale, coupons, verdict)
    assert [item.split(" took ")[0] for item in verdict.unexpected] == [
        "coupon sale k-1's percent_off (hold b)",
        "coupon sale k-1's line 1",
        "coupon sale k-1's line 2",
    ]


def _ack(key: str, body: dict[str, Any]) -> Acknowledged:
    now = time.monotonic()
    return Acknowledged(key, body, now, now)


async def _coupon_sale(
    client: httpx.AsyncClient, sessions: Sessions, log: LoadLog, name: str, *, recorded: bool
) -> tuple[Holder, dict[str, Any], str]:
    """A member's coupon held (acknowledged) and committed to a sale; ``recorded``: the
    sale's event reached loyalty. Returns the holder, the hold and the sale's id."""
    who = await holder(client, sessions, terms=TERMS)
    log.coupons[who.coupon_id] = str(who.member_id)
    held = await hold(client, who)
    assert held["discount_fen"] == 1_000
    log.coupon_holds[f"c-{name}"] = _ack(f"c-{name}", held)
    purchase_id = uuid.uuid4()
    assert (await commit(client, held, purchase_id)).status_code == 200
    if recorded:
        await handle(sessions, sale_event(who, purchase_id))
    return who, held, str(purchase_id)


def _acknowledge(log: LoadLog, name: str, purchase_id: str, held: dict[str, Any]) -> None:
    """The sale as orders answers it: each held coupon's shares as loyalty priced them."""
    discounts: list[dict[str, Any]] = [
        {
            "reservation_id": c["reservation_id"],
            "amount_fen": c["discount_fen"],
            "lines": c["lines"],
        }
        for c in held["coupons"]
    ]
    shares = {line["line_no"]: line["discount_fen"] for line in held["lines"]}
    lines = [line | {"discount_fen": shares.get(line["line_no"], 0)} for line in LINES]
    sale = {"id": purchase_id, "lines": lines, "discounts": discounts}
    log.purchases[f"k-{name}"] = _ack(f"k-{name}", sale)
    log.coupon_sales[f"k-{name}"] = f"c-{name}"


async def test_the_checker_reports_coupons_not_redeemed_kept_or_redeemed_unasked(
    stack: Stack, loyalty_sessions: Sessions
) -> None:
    log = LoadLog()
    assert sum(line["amount_fen"] for line in BASKET) == 25_023  # the lines above
    async with running(stack.app("loyalty")) as client:
        _, held, kept = await _coupon_sale(client, loyalty_sessions, log, "kept", recorded=True)
        _acknowledge(log, "kept", kept, held)
        _, held, unheard = await _coupon_sale(
            client, loyalty_sessions, log, "unheard", recorded=False
        )
        _acknowledge(log, "unheard", unheard, held)
        _, held, returned = await _coupon_sale(client, loyalty_sessions, log, "back", recorded=True)
        _acknowledge(log, "back", returned, held)  # its return's event never reached loyalty
        lines = [{"line_no": 1, "quantity": 2}, {"line_no": 2, "quantity": 1}]
        log.returns["r-back"] = _ack("r-back", {"purchase_id": returned, "lines": lines})
        _, unasked_hold, unasked = await _coupon_sale(
            client, loyalty_sessions, log, "unasked", recorded=True
        )
        del log.coupon_holds["c-unasked"]  # a hold and a sale the till never heard of
        unused = await holder(client, loyalty_sessions, terms=TERMS)
        log.coupons[unused.coupon_id] = str(unused.member_id)
        left = await hold(client, unused)
        log.coupon_holds["c-left"] = _ack("c-left", left)
    verdict = Verdict()
    connection = await asyncpg.connect(asyncpg_dsn(stack.admin_url))
    try:
        left_to_sweep = await check_coupons(connection, log, verdict)
    finally:
        await connection.close()
    assert sorted(item.split()[2] for item in verdict.lost) == ["k-back's", "k-unheard's"]
    assert "is committed" in next(item for item in verdict.lost if "k-unheard" in item)
    assert verdict.duplicated == []
    assert verdict.unexpected == [
        f"coupon hold {unasked_hold['coupons'][0]['reservation_id']} is confirmed for sale "
        f"{unasked}, never acknowledged"
    ]
    assert verdict.counts["coupon sales"] == 3
    # the hold no sale used runs out (the unheard sale's commit is that sale's: lost)
    assert [str(rid) for rid in left_to_sweep] == [left["coupons"][0]["reservation_id"]]
    await check_coupons_run_out(loyalty_sessions, left_to_sweep, swept := Verdict())
    assert swept.unexpected == []
    assert swept.counts["coupon holds no sale used, left to the sweep"] == 1


async def _stacked_sale(
    client: httpx.AsyncClient, sessions: Sessions, log: LoadLog, name: str
) -> tuple[uuid.UUID, str, dict[str, Any]]:
    """A member's two load coupons held stacked (acknowledged), committed, the sale
    recorded and acknowledged; returns the member, the sale's id and the hold."""
    member, coupons = await member_with(client, sessions, *COUPON_TERMS.values())
    for coupon in coupons.values():
        log.coupons[coupon["id"]] = str(member)
    asked = {
        "member_id": str(member),
        "store_id": str(STORE),
        "sale_ref": name,
        "codes": [coupon["code"] for coupon in coupons.values()],
        "lines": BASKET,
    }
    response = await client.post("/coupon-reservations", json=asked, headers=SERVICE | key())
    assert response.status_code == 201, response.text
    held: dict[str, Any] = response.json()
    assert held["discount_fen"] == 2_201  # 1000 + 1201, as stacked_shares has it above
    log.coupon_holds[f"c-{name}"] = _ack(f"c-{name}", held)
    purchase_id = uuid.uuid4()
    assert (await commit(client, held, purchase_id)).status_code == 200
    await handle(sessions, sale_event(Holder(member, "", ""), purchase_id))
    _acknowledge(log, name, str(purchase_id), held)
    return member, str(purchase_id), held


async def test_the_checker_passes_a_stacked_sale_and_finds_one_used_in_part(
    stack: Stack, loyalty_sessions: Sessions
) -> None:
    log = LoadLog()
    async with running(stack.app("loyalty")) as client:
        member, sold, _ = await _stacked_sale(client, loyalty_sessions, log, "sound")
        # line 2 and one unit of line 1 back: 74.50 yuan kept, below 满100 (it comes
        # back), 5% of it still 3.72 yuan (it stays redeemed)
        units = {2: 1, 1: 1}
        await handle(
            loyalty_sessions, returned_event(Holder(member, "", ""), uuid.UUID(sold), units)
        )
        back = [{"line_no": no, "quantity": n} for no, n in units.items()]
        log.returns["r-sound"] = _ack("r-sound", {"purchase_id": sold, "lines": back})
        _, split, held = await _stacked_sale(client, loyalty_sessions, log, "split")
    threshold, percent = held["coupons"]
    async with transaction(loyalty_sessions) as session:  # a bug giving one coupon back
        await session.execute(
            text(
                "UPDATE loyalty.coupon_redemptions SET status = 'released', "
                "release_reason = 'timeout' WHERE reservation_id = :rid"
            ),
            {"rid": percent["reservation_id"]},
        )
    verdict = Verdict()
    connection = await asyncpg.connect(asyncpg_dsn(stack.admin_url))
    try:
        await check_coupons(connection, log, verdict)
    finally:
        await connection.close()
    assert verdict.counts["of them stacked"] == 2
    assert verdict.counts["stacked sales with a return"] == 1
    assert verdict.counts["coupons given back by a return"] == 1
    assert verdict.duplicated == []
    assert verdict.lost == [
        f"coupon sale k-split's percent_off (hold {percent['reservation_id']}) is released "
        f"for sale {split}, not redeemed for {split}"
    ]
    assert verdict.unexpected == [
        f"coupon hold {held['hold_id']} was used in part: " + f"confirmed {split}, released {split}"
    ]
    assert threshold["kind"] == "threshold_off"
