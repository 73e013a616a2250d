"""A coupon committed by an attempt of a sale that failed, whose undo was lost, and the sale
the till then records under the same receipt number (so the same purchase id), through
orders and a real loyalty over loopback HTTP, the sale's event through the real broker.

Loyalty goes down right after it commits the coupon: its answer and orders' undo are lost,
so the hold stays committed to the purchase id. Another sale recorded under that receipt
number without the coupon must not redeem it (its event names no coupon reservation): the
sweep gives it back after the grace. The till's retry of the same sale, with the coupon,
does redeem it (two attempts committed it: contested, settled by the sale's event).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.loyalty.till_coupons.invariants import coupon_till_violations
from services.loyalty.till_coupons.service import release_due
from services.orders.base import outbox
from shared.db import Sessions
from tests.orders.conftest import KnownMember, StoreKey, is_problem, new_key, served_loyalty
from tests.orders.tenders.test_coupons import LINES, PAID, _coupon, _hold, _loyalty_view
from tests.orders.tenders.till import fund
from tests.stack import Stack, eventually, running


class Outage:
    """Wraps loyalty. Armed, the next commit under ``commits`` (coupons', by default)
    reaches loyalty and is made, but loyalty goes down before it answers: orders gets 503
    for it, and for every request after it until :meth:`lift`. Unarmed, every request
    passes straight through."""

    def __init__(self, commits: str = "/coupon-reservations/") -> None:
        self.commits = commits
        self.armed = False
        self.down = False
        self._app: ASGIApp | None = None

    def around(self, app: ASGIApp) -> ASGIApp:
        self._app = app
        return self

    def lift(self) -> None:
        self.armed = self.down = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self._app is not None
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        if self.down:
            await _unavailable(send)
            return
        path, method = scope["path"], scope["method"]
        if not (self.armed and method == "POST" and path.startswith(self.commits)):
            await self._app(scope, receive, send)
            return
        assert path.endswith("/commit"), path  # the sale reads the hold by GET first
        self.armed = False
        answered: list[int] = []

        async def lost(message: Message) -> None:
            if message["type"] == "http.response.start":
                answered.append(message["status"])

        await self._app(scope, receive, lost)
        assert answered == [200]  # committed at loyalty
        self.down = True
        await _unavailable(send)


async def _unavailable(send: Send) -> None:
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": b"{}"})


@pytest.fixture(scope="module")
async def outage() -> Outage:
    return Outage()


@pytest.fixture(scope="module")
async def loyalty_url(stack: Stack, outage: Outage) -> AsyncIterator[str]:
    async with served_loyalty(stack, outage.around) as url:
        yield url


@pytest.fixture(scope="module")
async def till(stack: Stack, loyalty_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with running(stack.app("orders", loyalty_url=loyalty_url)) as client:
        yield client


async def _sell(
    till: httpx.AsyncClient,
    store: StoreKey,
    member: KnownMember,
    receipt_no: str,
    discounts: list[dict[str, Any]],
) -> httpx.Response:
    off = sum(d.get("amount_fen", 0) for d in discounts if "coupon_reservation_id" not in d)
    coupon = 3_000 if any("coupon_reservation_id" in d for d in discounts) else 0
    body = {
        "card_number": member.card_number,
        "lines": LINES,
        "discounts": discounts,
        "tenders": [{"kind": "card", "amount_fen": PAID + 3_000 - coupon - off}],
        "receipt_no": receipt_no,
    }
    return await till.post("/purchases", json=body, headers=store.headers | new_key())


async def _applied(orders_sessions: Sessions, loyalty_sessions: Sessions, sale_id: str) -> None:
    """Waits until loyalty applied the sale's ``orders.purchase.completed``."""
    async with orders_sessions() as session:
        [event_id] = await session.scalars(
            select(outbox.table.c.envelope["id"].astext).where(
                outbox.table.c.event_type == "orders.purchase.completed",
                outbox.table.c.envelope["subject"].astext == sale_id,
            )
        )

    async def seen() -> bool:
        async with loyalty_sessions() as session:
            query = text("SELECT count(*) FROM loyalty.inbox WHERE event_id = :e")
            return bool(await session.scalar(query, {"e": event_id}))

    await eventually(seen, timeout=30)  # orders' relay → broker → loyalty's consumer


@pytest.mark.parametrize("again_with_the_coupon", [False, True])
async def test_a_coupon_a_failed_attempt_left_committed_is_redeemed_only_by_a_sale_using_it(
    till: httpx.AsyncClient,
    outage: Outage,
    loyalty_url: str,
    stack: Stack,
    orders_sessions: Sessions,
    loyalty_sessions: Sessions,
    store: StoreKey,
    again_with_the_coupon: bool,
) -> None:
    member = await fund(stack, orders_sessions, loyalty_sessions, fen=0)
    hold = (await _hold(till, store, member, await _coupon(loyalty_url, member))).json()
    reservation_id = hold["coupons"][0]["reservation_id"]
    receipt_no = f"R-LOST-{uuid.uuid4().hex[:8]}"
    with_coupon = [{"coupon_reservation_id": reservation_id}]

    outage.armed = True
    try:
        failed = is_problem(await _sell(till, store, member, receipt_no, with_coupon), 503)
    finally:
        outage.lift()
    assert failed["type"] == "urn:huiyuan:problem:loyalty-unavailable"
    # loyalty made the commit: the coupon is not used, but neither is it free yet
    assert "no coupon was used" not in failed["detail"]
    assert "not recorded" in failed["detail"]
    assert "may stay held for its receipt number" in failed["detail"]
    assert await _loyalty_view(loyalty_url, member, reservation_id) == ("committed", "reserved")

    # the till's retry of the same sale, or another sale under that receipt number with a
    # discount of its own
    own = [{"source": "manual", "amount_fen": 500}]
    again = with_coupon if again_with_the_coupon else own
    sold = await _sell(till, store, member, receipt_no, again)
    assert sold.status_code == 201, sold.text
    async with loyalty_sessions() as session:
        query = "SELECT purchase_id FROM loyalty.coupon_redemptions WHERE reservation_id = :r"
        committed_to = await session.scalar(text(query), {"r": uuid.UUID(reservation_id)})
    assert str(committed_to) == sold.json()["id"]  # the receipt number names one purchase id
    await _applied(orders_sessions, loyalty_sessions, sold.json()["id"])

    if again_with_the_coupon:
        assert await _loyalty_view(loyalty_url, member, reservation_id) == (
            "confirmed",
            "redeemed",
        )
    else:
        assert await _loyalty_view(loyalty_url, member, reservation_id) == (
            "committed",
            "reserved",
        )
        while await release_due(loyalty_sessions, datetime.now(UTC) + timedelta(days=2)):
            pass
        assert await _loyalty_view(loyalty_url, member, reservation_id) == ("released", "active")
    async with loyalty_sessions() as session:
        assert await coupon_till_violations(session, [member.member_id]) == []
