"""The statements of one sale posted through the real app, as a till posts it (by card,
with and without a coupon held at loyalty), counted so that they cannot grow back silently
(docs/performance.md, issue 19).

A sale is six statements between ``BEGIN`` and ``COMMIT``: the idempotency key's
look-and-lock and its second look (a statement of its own, see
``shared.idempotency.keys``), the member by card, the catalog's products, the sale with
its lines and its event, and the stored answer. A coupon adds none: its check and commit
are loyalty's, over HTTP (two calls).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from shared.db import Sessions
from tests.loyalty.statements import engine_of, statements
from tests.orders.conftest import LINES, KnownMember, StoreKey, new_key
from tests.orders.tenders.till import fund, granted
from tests.stack import Stack, running

SALE = [
    "pg_try_advisory_xact_lock",  # the key's stored answer, or its lock
    "FROM orders.idempotency_keys",  # the second look
    "FROM orders.members",
    "FROM orders.products",
    "INSERT INTO orders.outbox",  # the sale, its lines and its event: one statement
    "INSERT INTO orders.idempotency_keys",
]
COUPON_LINES: list[dict[str, Any]] = [
    {"sku": "HP-FISHOIL-60", "category": "health", "quantity": 2, "unit_price_fen": 7_450},
    {"sku": "SK-CREAM-50", "category": "skincare", "quantity": 1, "unit_price_fen": 10_123},
]


@pytest.fixture(scope="module")
async def till(stack: Stack, loyalty: str) -> AsyncIterator[tuple[Sessions, httpx.AsyncClient]]:
    """Orders calling loyalty, and its own sessions (whose statements are counted)."""
    app = stack.app("orders", loyalty_url=loyalty)
    async with running(app) as client:
        yield app.state.runtime.sessions, client


def _sale_statements(sent: list[str]) -> list[str]:
    """The sale's statements, in order: the relay's (claiming and marking the event it
    publishes, on a connection of its own) left out."""
    return [s for s in sent if "published_at" not in s]


def _shape(sent: list[str]) -> list[str]:
    """Which of ``SALE`` each statement is (its text, if none)."""
    return [next((part for part in SALE if part in s), s) for s in _sale_statements(sent)]


async def _post(
    sessions: Sessions, client: httpx.AsyncClient, store: StoreKey, body: dict[str, Any]
) -> tuple[httpx.Response, list[str]]:
    with statements(engine_of(sessions)) as sent:
        response = await client.post("/purchases", json=body, headers=store.headers | new_key())
    return response, sent


async def test_a_sale_by_card_is_six_statements(
    till: tuple[Sessions, httpx.AsyncClient], store: StoreKey, member: KnownMember
) -> None:
    sessions, client = till
    body = {"card_number": member.card_number, "lines": LINES}
    await client.post("/purchases", json=body, headers=store.headers | new_key())  # warm
    response, sent = await _post(sessions, client, store, body)

    assert response.status_code == 201, response.text
    assert _shape(sent) == SALE


async def test_a_sale_with_a_held_coupon_is_the_same_six_statements(
    stack: Stack,
    till: tuple[Sessions, httpx.AsyncClient],
    loyalty: str,
    orders_sessions: Sessions,
    loyalty_sessions: Sessions,
    store: StoreKey,
) -> None:
    sessions, client = till
    member: KnownMember = await fund(stack, orders_sessions, loyalty_sessions, fen=0)
    definition = {
        "name": "满150减30",
        "terms": {"kind": "threshold_off", "threshold_fen": 15_000, "off_fen": 3_000},
        "valid_days": 30,
    }
    [coupon] = await granted(loyalty, member, definition)
    hold = {"card_number": member.card_number, "sale_ref": "R-9", "lines": COUPON_LINES}
    held = await client.post(
        "/coupon-reservations",
        json=hold | {"code": coupon["code"]},
        headers=store.headers | new_key(),
    )
    assert held.status_code == 201, held.text
    reservation_id = held.json()["coupons"][0]["reservation_id"]
    body = {
        "card_number": member.card_number,
        "lines": COUPON_LINES,
        "discounts": [{"coupon_reservation_id": reservation_id}],
    }

    response, sent = await _post(sessions, client, store, body)

    assert response.status_code == 201, response.text
    assert response.json()["total_fen"] == 22_023  # 3000 fen off: the coupon was used
    assert _shape(sent) == SALE
