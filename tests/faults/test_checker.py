"""The checker itself must be able to fail: it finds a lost, a doubled and an invented sale,
reward stock that the acknowledged orders do not account for, and points held at a till
that no till was told of and that a sale uses or the sweep does not give back."""

from __future__ import annotations

import time
import uuid
from typing import Any

import asyncpg
from sqlalchemy import text

from services.loyalty.points.invariants import LedgerReport
from shared.db import Sessions, asyncpg_dsn, transaction
from tests.faults.checker import check_households, check_loyalty, check_orders
from tests.faults.records import Acknowledged, LoadLog
from tests.faults.till_check import check_till, check_unheard_run_out
from tests.faults.verdict import Verdict
from tests.loyalty.conftest import funded_member, handle, key, purchase_event
from tests.loyalty.rewards.conftest import new_item
from tests.orders.conftest import new_store, registered_event
from tests.stack import Stack, member_headers, running, staff_headers


def _sale(member_id: uuid.UUID, receipt: str) -> dict[str, Any]:
    return {
        "member_id": str(member_id),
        "receipt_no": receipt,
        "lines": [{"sku": "S", "category": "daily", "quantity": 1, "unit_price_fen": 500}],
    }


async def test_the_checker_reports_lost_duplicated_and_unexpected_sales(
    stack: Stack, orders_sessions: Sessions
) -> None:
    store = await new_store(orders_sessions, "checker")
    event = registered_event(stack)
    async with transaction(orders_sessions) as session:
        await stack.handlers("orders")[event.type](session, event)
    member_id = uuid.UUID(event.subject)
    answers = {}
    async with running(stack.app("orders")) as client:
        # "kept" once, "twice" under two keys, "unasked" never acknowledged
        for key, receipt in (("k1", "kept"), ("k2", "twice"), ("k3", "twice"), ("k4", "unasked")):
            response = await client.post(
                "/purchases",
                json=_sale(member_id, receipt),
                headers={**store.headers, "Idempotency-Key": key},
            )
            assert response.status_code == 201, response.text
            answers[key] = response.json()
    # orders answers a receipt's repeat with its first sale now, so the doubled sale is
    # written behind its back, as the previous release could leave one
    assert answers["k3"] == answers["k2"]
    async with transaction(orders_sessions) as session:
        await session.execute(
            text(
                "INSERT INTO orders.purchases (id, store_id, member_id, total_fen, purchased_at,"
                " receipt_no, duplicate_of, created_at)"
                " SELECT :copy, store_id, member_id, total_fen, purchased_at, receipt_no, id,"
                " created_at FROM orders.purchases WHERE id = :original"
            ),
            {"copy": uuid.uuid4(), "original": uuid.UUID(answers["k2"]["id"])},
        )
    now = time.monotonic()
    log = LoadLog(stores=[(str(store.store_id), store.api_key)])
    log.purchases = {
        "kept": Acknowledged("kept", answers["k1"], now, now),
        "twice": Acknowledged("twice", answers["k2"], now, now),
        "vanished": Acknowledged("vanished", {"id": str(uuid.uuid4())}, now, now),
    }
    verdict = Verdict()
    connection = await asyncpg.connect(asyncpg_dsn(stack.admin_url))
    try:
        await check_orders(connection, log, verdict)
    finally:
        await connection.close()
    assert [item.split()[1] for item in verdict.lost] == ["vanished"]
    assert [item.split()[1] for item in verdict.duplicated] == ["twice"]
    assert verdict.unexpected == ["orders holds purchase unasked, never acknowledged"]
    assert not verdict.ok


async def test_the_checker_reports_households_loyalty_did_not_follow(
    stack: Stack, loyalty_sessions: Sessions
) -> None:
    """Customer has the member in a household loyalty never heard of (its consumer is not
    running here): a joining lost on the way."""
    async with running(stack.app("customer")) as customer:
        staff = staff_headers("service")
        phone = f"139{uuid.uuid4().int % 10**8:08d}"
        member = (
            await customer.post("/members", json={"name": "核对", "phone": phone}, headers=staff)
        ).json()
        opened = await customer.post(
            "/households", json={"head_card_number": member["card_number"]}, headers=staff
        )
        assert opened.status_code == 201, opened.text
    await handle(loyalty_sessions, purchase_event(uuid.UUID(member["id"]), 1_000))  # its account
    household_id = opened.json()["id"]
    log = LoadLog(members=[member["id"]])
    log.households = {household_id: [member["id"]]}
    verdict = Verdict()
    connection = await asyncpg.connect(asyncpg_dsn(stack.admin_url))
    try:
        log.in_household = {member["id"]: household_id}
        await check_households(connection, log, verdict)
        assert verdict.lost == [
            f"loyalty pools member {member['id']} into None, not {household_id}",
            f"loyalty applied member {member['id']}'s household changes up to version None, "
            "customer made 1",
        ]
        log.in_household = {member["id"]: None}  # acknowledged as gone, yet customer has them
        await check_households(connection, log, verdict := Verdict())
    finally:
        await connection.close()
    assert verdict.unexpected == [
        f"customer has member {member['id']} in {household_id}, acknowledged None"
    ]


async def test_the_checker_counts_reward_stock_against_acknowledged_orders(
    stack: Stack, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 100_000)
    async with running(stack.app("loyalty")) as client:
        item = await new_item(client, point_price=10, stock=10)
        placed = [
            await client.post(
                f"/members/{member_id}/reward-orders",
                json={"item_id": item["id"], "quantity": 2},
                headers=member_headers(member_id) | key(),
            )
            for _ in range(2)
        ]
    assert [r.status_code for r in placed] == [201, 201]
    now = time.monotonic()
    acks = {f"w{n}": Acknowledged(f"w{n}", r.json(), now, now) for n, r in enumerate(placed)}
    log = LoadLog(members=[str(member_id)], reward_item=item, reward_orders=dict(acks))
    connection = await asyncpg.connect(asyncpg_dsn(stack.admin_url))

    async def rewards_verdict() -> tuple[list[str], ...]:
        """What the checker says about rewards (the member's earn was never acknowledged)."""
        verdict = Verdict()
        await check_loyalty(connection, log, verdict)
        found = (verdict.lost, verdict.duplicated, verdict.unexpected)
        return tuple([item for item in items if "reward" in item] for items in found)

    try:
        assert await rewards_verdict() == ([], [], [])
        log.reward_orders.pop("w1")  # the system holds an order never acknowledged
        lost, duplicated, unexpected = await rewards_verdict()
        assert (lost, duplicated) == ([], [])
        assert unexpected == [
            f"loyalty has spend for reward order {placed[1].json()['order_id']}, never "
            "acknowledged",
            "reward stock is 6, the acknowledged orders leave 8",
        ]
        log.reward_orders = acks | {
            "w9": Acknowledged("w9", {"order_id": str(uuid.uuid4()), "quantity": 1}, now, now)
        }
        lost, _, _ = await rewards_verdict()
        assert lost[-1] == "reward stock is 6, the acknowledged orders leave 5"
    finally:
        await connection.close()


async def test_the_checker_reports_unheard_holds_a_sale_uses_or_the_sweep_keeps(
    stack: Stack, loyalty_sessions: Sessions
) -> None:
    """Three holds no till acknowledged: one a sale committed (it pays, yet no till knew
    it), one whose hold outlasts anything the till policy grants (here by hand: the sweep
    never reaches it), and one that simply runs out (the only one expected)."""
    member_id = await funded_member(loyalty_sessions, 100_000)
    store_id = uuid.uuid4()
    asked = {"member_id": str(member_id), "store_id": str(store_id), "sale_total_fen": 10_000}
    service = staff_headers("service")
    async with running(stack.app("loyalty")) as client:
        held = [
            (
                await client.post(
                    "/reservations",
                    json=asked | {"sale_ref": f"R-{n}", "points": 100},
                    headers=service | key(),
                )
            ).json()["reservation_id"]
            for n in range(3)
        ]
        used, kept, runs_out = held
        purchase_id = uuid.uuid4()
        committed = await client.post(
            f"/reservations/{used}/commit",
            json=asked | {"purchase_id": str(purchase_id), "amount_fen": 100},
            headers=service | key(),
        )
        assert committed.status_code == 200, committed.text
    async with transaction(loyalty_sessions) as session:
        await session.execute(
            text(
                "UPDATE loyalty.till_reservations SET expires_at = now() + interval '1 year' "
                "WHERE reservation_id = :kept"
            ),
            {"kept": uuid.UUID(kept)},
        )
    verdict = Verdict()
    connection = await asyncpg.connect(asyncpg_dsn(stack.admin_url))
    try:
        unheard = await check_till(connection, LoadLog(members=[str(member_id)]), verdict)
    finally:
        await connection.close()
    assert sorted(unheard) == sorted(uuid.UUID(r) for r in (kept, runs_out))
    assert verdict.unexpected == [
        f"loyalty holds reservation {used}, never acknowledged, for sale {purchase_id}"
    ]
    await check_unheard_run_out(loyalty_sessions, unheard, verdict)
    assert verdict.unexpected[1:] == [
        f"loyalty holds reservation {kept}, never acknowledged, and the sweep leaves it held"
    ]
    assert verdict.counts["holds no till was told of"] == 2


def test_a_backlog_that_stopped_moving_fails_the_run_though_nothing_is_lost_yet() -> None:
    """A dispatcher that stopped for good after a restart left messages queued while every
    sale was accounted for, and the run passed (seed 62293)."""
    verdict = Verdict(ledger=LedgerReport(0, 0, 0, 0, 0, 0, ()))
    assert verdict.ok
    verdict.stalled = "stuck for 120s: 2969 notifications queued"
    assert not verdict.ok
    assert verdict.summary().endswith(
        "the backlog stopped moving: stuck for 120s: 2969 notifications queued"
    )
