"""Points or stored value committed by an attempt of a sale that failed, whose undo was
lost, and what the till records next under the same receipt number (so the same purchase
id), through orders and a real loyalty over loopback HTTP, the sale's event through the
real broker.

Loyalty goes down right after it commits the reservation: its answer and orders' undo are
lost, so the reservation stays committed to the purchase id. The till's retry of the same
sale is recorded and its event, which names the reservation, confirms it. Another sale
under that receipt number is not told the reservation pays it for another amount, nor may
it pay with another reservation of the tender (a clear 4xx, never a 500); a sale without
the tender leaves it to the sweep, which gives it back after the grace.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.loyalty.reservations.service import release_due
from services.loyalty.wallets.invariants import wallet_violations
from services.orders.base import outbox
from shared.db import Sessions
from tests.orders.conftest import (
    LINES,
    TOTAL,
    KnownMember,
    StoreKey,
    is_problem,
    new_key,
    served_loyalty,
)
from tests.orders.tenders.test_coupon_attempts import Outage, _applied
from tests.orders.tenders.test_stored_value import _deposit
from tests.orders.tenders.till import audit, balance, fund, hold, reservation
from tests.stack import Stack, running


@pytest.fixture(scope="module")
async def outage() -> Outage:
    return Outage(commits="/reservations/")


@pytest.fixture(scope="module")
async def loyalty_url(stack: Stack, outage: Outage) -> AsyncIterator[str]:
    async with served_loyalty(stack, outage.around) as url:
        yield url


@pytest.fixture(scope="module")
async def till(stack: Stack, loyalty_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with running(stack.app("orders", loyalty_url=loyalty_url)) as client:
        yield client


def _paying(held: dict[str, Any], amount_fen: int | None = None) -> list[dict[str, Any]]:
    """The held tender (for ``amount_fen``, if given: another sale's), the rest by card."""
    amount = held["amount_fen"] if amount_fen is None else amount_fen
    tender = {
        "kind": held["tender"],
        "amount_fen": amount,
        "reservation_id": held["reservation_id"],
    }
    return [tender, {"kind": "card", "amount_fen": TOTAL - amount}]


async def _sell(
    till: httpx.AsyncClient,
    store: StoreKey,
    member: KnownMember,
    receipt_no: str,
    tenders: list[dict[str, Any]],
) -> httpx.Response:
    body = {
        "card_number": member.card_number,
        "lines": LINES,
        "tenders": tenders,
        "receipt_no": receipt_no,
    }
    return await till.post("/purchases", json=body, headers=store.headers | new_key())


async def _tenders_of_event(orders_sessions: Sessions, sale_id: str) -> list[dict[str, Any]]:
    """The tenders of the sale's ``orders.purchase.completed``, as orders published it."""
    async with orders_sessions() as session:
        [data] = await session.scalars(
            select(outbox.table.c.envelope["data"]).where(
                outbox.table.c.event_type == "orders.purchase.completed",
                outbox.table.c.envelope["subject"].astext == sale_id,
            )
        )
    tenders: list[dict[str, Any]] = data["receipt"]["tenders"]
    return tenders


async def _state(loyalty_url: str, held: dict[str, Any]) -> tuple[str, str | None]:
    found = await reservation(loyalty_url, held["reservation_id"])
    return found["status"], found["release_reason"]


@pytest.mark.parametrize("tender", ["points", "stored_value"])
@pytest.mark.parametrize("then", ["retry", "other_amount", "other_hold", "without"])
async def test_a_reservation_a_failed_attempt_left_committed_pays_only_that_sale(
    till: httpx.AsyncClient,
    outage: Outage,
    loyalty_url: str,
    stack: Stack,
    orders_sessions: Sessions,
    loyalty_sessions: Sessions,
    store: StoreKey,
    tender: str,
    then: str,
) -> None:
    member = await fund(stack, orders_sessions, loyalty_sessions)
    if tender == "stored_value":
        await _deposit(loyalty_url, member, store, 20_000)
    points = await balance(loyalty_url, member)
    made = await hold(till, store, member, tender=tender, amount_fen=1_000)
    assert made.status_code == 201, made.text
    held = made.json()
    receipt_no = f"R-LOST-{uuid.uuid4().hex[:8]}"

    outage.armed = True
    try:
        failed = is_problem(await _sell(till, store, member, receipt_no, _paying(held)), 503)
    finally:
        outage.lift()
    assert failed["type"] == "urn:huiyuan:problem:loyalty-unavailable"
    assert "not recorded" in failed["detail"]
    assert await _state(loyalty_url, held) == ("committed", None)  # the undo was lost

    if then == "retry":  # the till's retry of the same sale
        sold = await _sell(till, store, member, receipt_no, _paying(held))
        assert sold.status_code == 201, sold.text
        paid = await _tenders_of_event(orders_sessions, sold.json()["id"])
        assert [(t["kind"], t.get("reservation_id")) for t in paid] == [
            (tender, held["reservation_id"]),
            ("card", None),
        ]
        await _applied(orders_sessions, loyalty_sessions, sold.json()["id"])
        assert await _state(loyalty_url, held) == ("confirmed", None)
    elif then == "other_amount":  # another sale under the receipt number, the same hold
        other = await _sell(till, store, member, receipt_no, _paying(held, 600))
        refused = is_problem(other, 422)
        assert refused["type"] == "urn:huiyuan:problem:points-refused"
        assert refused["cause"] == "urn:huiyuan:problem:reservation-mismatch"
        assert refused["errors"][0]["location"] == "body.tenders.0.reservation_id"
        assert await _state(loyalty_url, held) == ("committed", None)
    elif then == "other_hold":  # another sale under the receipt number, a hold of its own
        again = (await hold(till, store, member, tender=tender, amount_fen=600)).json()
        other = await _sell(till, store, member, receipt_no, _paying(again))
        refused = is_problem(other, 422)
        assert refused["cause"] == "urn:huiyuan:problem:reservation-not-held"
        assert held["reservation_id"] in refused["detail"]
        assert "grace" in refused["detail"]
        assert await _state(loyalty_url, again) == ("held", None)
        assert await _state(loyalty_url, held) == ("committed", None)
    else:  # another sale under the receipt number, without the tender
        card = [{"kind": "card", "amount_fen": TOTAL}]
        sold = await _sell(till, store, member, receipt_no, card)
        assert sold.status_code == 201, sold.text
        await _applied(orders_sessions, loyalty_sessions, sold.json()["id"])
        assert await _state(loyalty_url, held) == ("committed", None)
        while await release_due(loyalty_sessions, datetime.now(UTC) + timedelta(days=2)):
            pass
        assert await _state(loyalty_url, held) == ("released", "timeout")
        if tender == "points":
            assert await balance(loyalty_url, member) >= points  # back, and the sale earned
    await audit(loyalty_sessions, member)
    async with loyalty_sessions() as session:
        assert await wallet_violations(session, [member.member_id]) == []
