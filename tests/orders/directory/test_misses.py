"""A store that names members nobody answers to is stopped before it learns who is a
member: a batch of zero-price sales with card numbers in a row, or sale after sale."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.orders.directory.errors import TooManyMemberMisses
from shared.db import Sessions
from tests.orders.conftest import (
    LINES,
    KnownMember,
    StoreKey,
    footprint,
    is_problem,
    new_key,
    new_store,
)
from tests.stack import Stack, running

FREE = [{**line, "unit_price_fen": 0} for line in LINES]
MISSES = TooManyMemberMisses("").problem_type


@pytest.fixture
async def till(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """Orders allowing each store 5 misses an hour."""
    async with running(stack.app("orders", member_misses_per_store="5/hour")) as client:
        yield client


def _sale(card_number: str) -> dict[str, Any]:
    return {"card_number": card_number, "lines": FREE, "idempotency_key": uuid.uuid4().hex}


async def _batch(till: httpx.AsyncClient, store: StoreKey, cards: list[str]) -> httpx.Response:
    sales = [_sale(card) for card in cards]
    return await till.post("/purchases:batch", json={"sales": sales}, headers=store.headers)


async def test_an_enumeration_batch_is_refused_whole_and_then_every_lookup(
    till: httpx.AsyncClient, store: StoreKey, member: KnownMember, orders_sessions: Sessions
) -> None:
    start = int(member.card_number) - 10
    cards = [str(start + n) for n in range(20)]  # the member's card among them
    before = await footprint(orders_sessions, store, member)

    refused = await _batch(till, store, cards)

    problem = is_problem(refused, 429)
    assert problem["type"] == MISSES
    assert int(refused.headers["Retry-After"]) > 0
    assert member.member_id.hex not in refused.text
    assert await footprint(orders_sessions, store, member) == before  # nothing saved
    # the refused batch counted nothing: the 5 misses allowed are still there, once
    allowed = await _batch(till, store, cards[:5])
    assert allowed.status_code == 200, allowed.text
    assert [r["status"] for r in allowed.json()["results"]] == [422] * 5
    sale = await till.post(
        "/purchases",
        json={"card_number": member.card_number, "lines": FREE},
        headers=store.headers | new_key(),
    )
    assert is_problem(sale, 429)["type"] == MISSES  # a hit would tell too: refused alike
    benefits = await till.get(
        "/members/benefits", params={"card_number": member.card_number}, headers=store.headers
    )
    assert is_problem(benefits, 429)["type"] == MISSES


async def test_sales_naming_nobody_are_422s_until_the_limit_then_429s_for_that_store_only(
    till: httpx.AsyncClient, store: StoreKey, member: KnownMember, orders_sessions: Sessions
) -> None:
    statuses = []
    for n in range(7):
        answer = await till.post(
            "/purchases",
            json={"card_number": f"99{n:011d}", "lines": FREE},
            headers=store.headers | new_key(),
        )
        statuses.append(answer.status_code)

    assert statuses == [422] * 5 + [429] * 2
    other = await new_store(orders_sessions, "另一家店")
    elsewhere = await till.post(
        "/purchases",
        json={"card_number": member.card_number, "lines": FREE},
        headers=other.headers | new_key(),
    )
    assert elsewhere.status_code == 201, elsewhere.text
