"""Stock is never oversold and points never spent twice, however many orders race.

Each test fires its requests at once through the served app; the database runs them in
as many concurrent transactions as the pool has connections (8), so they contend for the
same item row and the same account row. What decides the outcome is the database's
locks and CHECKs, not the order the requests arrive in.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import httpx

from services.loyalty.points.invariants import check_ledger_invariants
from shared.db import Sessions
from tests.loyalty.conftest import account_of, funded_member, key, ledger_of, lots_of, problem
from tests.loyalty.rewards.conftest import (
    MARKETING,
    SERVICE,
    item_body,
    new_item,
    order,
    orders_of,
    stock_of,
)


def _slugs(responses: list[httpx.Response]) -> Counter[str]:
    return Counter(
        "placed" if r.status_code == 201 else problem(r, r.status_code)["type"].rsplit(":", 1)[1]
        for r in responses
    )


async def _invariants_hold(sessions: Sessions, members: list[uuid.UUID]) -> None:
    async with sessions() as session:
        report = await check_ledger_invariants(session, members=members)
    assert report.ok, str(report)


async def test_many_members_racing_for_the_last_units_get_exactly_the_stock(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    item = await new_item(client, point_price=100, stock=5)
    members = [await funded_member(loyalty_sessions, 10_000) for _ in range(24)]  # 100 each
    responses = await asyncio.gather(*(order(client, m, item["id"]) for m in members))
    assert _slugs(responses) == {"placed": 5, "reward-out-of-stock": 19}
    assert await stock_of(loyalty_sessions, item["id"]) == 0
    winners = [m for m, r in zip(members, responses, strict=True) if r.status_code == 201]
    for member_id in members:
        account = await account_of(loyalty_sessions, member_id)
        assert account is not None
        assert account.balance == (0 if member_id in winners else 100)
        assert await orders_of(loyalty_sessions, member_id) == (
            [("placed", 1, 100)] if member_id in winners else []
        )
    await _invariants_hold(loyalty_sessions, members)


async def test_orders_of_several_units_never_take_stock_below_zero(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    item = await new_item(client, point_price=10, stock=7)
    members = [await funded_member(loyalty_sessions, 10_000) for _ in range(12)]
    responses = await asyncio.gather(
        *(order(client, m, item["id"], quantity=2 + n % 2) for n, m in enumerate(members))
    )
    taken = sum(r.json()["quantity"] for r in responses if r.status_code == 201)
    left = await stock_of(loyalty_sessions, item["id"])
    assert taken + left == 7
    assert left < 2  # every order of 2 or 3 was placed while it fitted, so what is left cannot
    assert _slugs(responses)["reward-out-of-stock"] == 12 - _slugs(responses)["placed"]
    await _invariants_hold(loyalty_sessions, members)


async def test_one_members_racing_orders_spend_each_point_once(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 100_000)  # 1,000 points
    items = [await new_item(client, point_price=300, stock=50) for _ in range(3)]
    responses = await asyncio.gather(
        *(order(client, member_id, items[n % 3]["id"]) for n in range(16))
    )
    assert _slugs(responses) == {"placed": 3, "insufficient-points": 13}
    assert sorted(r.json()["balance"] for r in responses if r.status_code == 201) == [
        100,
        400,
        700,
    ]
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    assert account.balance == 100
    assert [e.points for e in await ledger_of(loyalty_sessions, member_id)] == [1000] + [-300] * 3
    assert await lots_of(loyalty_sessions, member_id) == [(1000, 100)]
    stocks = [await stock_of(loyalty_sessions, item["id"]) for item in items]
    assert sum(50 - stock for stock in stocks) == 3
    await _invariants_hold(loyalty_sessions, [member_id])


async def test_one_members_racing_orders_keep_to_the_limit(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 1_000_000)
    item = await new_item(client, point_price=10, stock=100, per_member_limit=3)
    responses = await asyncio.gather(*(order(client, member_id, item["id"]) for _ in range(16)))
    assert _slugs(responses) == {"placed": 3, "reward-limit-reached": 13}
    assert await stock_of(loyalty_sessions, item["id"]) == 97
    await _invariants_hold(loyalty_sessions, [member_id])


async def test_cancels_racing_orders_and_each_other_give_back_once(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    """Two orders hold the whole stock; each is cancelled three times over while others
    try to order: every cancelled unit is ordered at most once more, every order refunded
    at most once."""
    item = await new_item(client, point_price=100, stock=2)
    holder = await funded_member(loyalty_sessions, 100_000)
    held = [(await order(client, holder, item["id"])).json()["order_id"] for _ in range(2)]
    others = [await funded_member(loyalty_sessions, 10_000) for _ in range(10)]

    async def cancel(order_id: str) -> httpx.Response:
        return await client.post(
            f"/members/{holder}/reward-orders/{order_id}/cancel",
            json={},
            headers=SERVICE | key(),
        )

    cancels = [cancel(order_id) for order_id in held for _ in range(3)]
    orders = [order(client, member_id, item["id"]) for member_id in others]
    responses = await asyncio.gather(*cancels, *orders)
    assert all(r.status_code == 200 for r in responses[:6])
    placed = [r for r in responses[6:] if r.status_code == 201]
    assert len(placed) == 2 - await stock_of(loyalty_sessions, item["id"])
    points = [e.points for e in await ledger_of(loyalty_sessions, holder)]
    assert points == [1000, -100, -100, 100, 100]
    assert await orders_of(loyalty_sessions, holder) == [("cancelled", 1, 100)] * 2
    await _invariants_hold(loyalty_sessions, [holder, *others])


async def test_racing_additions_of_one_code_make_one_item(client: httpx.AsyncClient) -> None:
    body = item_body()
    responses = await asyncio.gather(
        *(client.post("/rewards/items", json=body, headers=MARKETING | key()) for _ in range(6))
    )
    assert _slugs(responses) == {"placed": 1, "reward-code-taken": 5}
    [made] = [r.json() for r in responses if r.status_code == 201]
    taken = problem(next(r for r in responses if r.status_code == 409), 409)
    assert made["id"] in taken["detail"]
