"""The coupon part of the checker must be able to fail: it finds an acknowledged coupon
sale whose coupon was never redeemed, a coupon kept redeemed although the acknowledged
returns took the sale below the threshold, and a coupon redeemed by a sale nobody
acknowledged; the holds no sale used are left to the sweep, which gives them back.

The coupons are the load's 满100减10 on the conftest's basket: 2 × 74.50 + 1 × 101.23 yuan.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import asyncpg
import httpx

from shared.db import Sessions, asyncpg_dsn
from tests.faults.coupon_check import check_coupons, check_coupons_run_out, restore_expected
from tests.faults.records import Acknowledged, LoadLog
from tests.faults.verdict import Verdict
from tests.loyalty.conftest import handle
from tests.loyalty.till_coupons.conftest import BASKET, Holder, commit, hold, holder, sale_event
from tests.stack import Stack, running

TERMS = {"kind": "threshold_off", "threshold_fen": 10_000, "off_fen": 1_000}
LINES = [
    {"line_no": 1, "quantity": 2, "unit_price_fen": 7_450},
    {"line_no": 2, "quantity": 1, "unit_price_fen": 10_123},
]


def test_a_return_gives_the_coupon_back_once_what_is_kept_is_below_100_yuan() -> None:
    sale = {"lines": LINES}
    one = {"lines": [{"line_no": 1, "quantity": 1}]}
    assert not restore_expected(sale, [])
    assert not restore_expected(sale, [one])  # kept 74.50 + 101.23 = 175.73 yuan
    assert not restore_expected(sale, [one, one])  # kept 101.23 yuan
    assert restore_expected(sale, [{"lines": [{"line_no": 2, "quantity": 1}]}, one])  # 74.50


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


def _acknowledge(log: LoadLog, name: str, purchase_id: str) -> None:
    sale = {"id": purchase_id, "lines": LINES, "discounts": [{"amount_fen": 1_000}]}
    log.purchases[f"k-{name}"] = _ack(f"k-{name}", sale)
    log.coupon_sales[f"k-{name}"] = f"c-{name}"


async def test_the_checker_reports_coupons_not_redeemed_kept_or_redeemed_unasked(
    stack: Stack, loyalty_sessions: Sessions
) -> None:
    log = LoadLog()
    assert sum(line["amount_fen"] for line in BASKET) == 25_023  # the lines above
    async with running(stack.app("loyalty")) as client:
        _, _, kept = await _coupon_sale(client, loyalty_sessions, log, "kept", recorded=True)
        _acknowledge(log, "kept", kept)
        _, _, unheard = await _coupon_sale(client, loyalty_sessions, log, "unheard", recorded=False)
        _acknowledge(log, "unheard", unheard)
        _, _, returned = await _coupon_sale(client, loyalty_sessions, log, "back", recorded=True)
        _acknowledge(log, "back", returned)  # its return's event never reached loyalty
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
