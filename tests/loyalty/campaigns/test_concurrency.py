"""A campaign's budget is never exceeded however many sales race for it.

The sales are rated at once, each in its own transaction (the pool has 8 connections),
by different members, so nothing but the campaign's row serialises them: what decides
is the one reserving statement and the CHECK behind it, not the order they arrive in.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
from sqlalchemy import text

from shared.db import Sessions
from tests.loyalty.campaigns.conftest import MARKETING, new_campaign, put_rules_from
from tests.loyalty.conftest import handle, ledger_of, return_event
from tests.loyalty.rules.sales import at, line, new_year, sale_event


async def test_racing_sales_get_exactly_the_budget_and_the_last_one_what_was_left(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    start = new_year(6) + timedelta(days=200)
    await put_rules_from(client, start)
    store = uuid.uuid4()
    made = await new_campaign(client, start, store, bonus_points=30, budget_points=100)
    sales = [
        sale_event(uuid.uuid4(), at(start.date()), line(1, "A", "x", 500), store_id=store)
        for _ in range(16)
    ]
    await asyncio.gather(*(handle(loyalty_sessions, sale) for sale in sales))

    async with loyalty_sessions() as session:
        given = (
            await session.execute(
                text(
                    "SELECT (c->>'points')::bigint FROM loyalty.purchases p, "
                    "jsonb_array_elements(p.breakdown) c WHERE c->>'campaign_id' = :campaign"
                ),
                {"campaign": made["id"]},
            )
        ).scalars()
        shares = sorted(given, reverse=True)
    assert shares == [30, 30, 30, 10]  # three whole bonuses, then what was left
    read = await client.get(f"/campaigns/{made['id']}", headers=MARKETING)
    assert read.json()["spent_points"] == 100


async def test_a_sale_delivered_again_under_another_event_id_draws_nothing_twice(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    start = new_year(6) + timedelta(days=210)
    await put_rules_from(client, start)
    store = uuid.uuid4()
    made = await new_campaign(client, start, store, bonus_points=30, budget_points=100)
    member = uuid.uuid4()
    sale = sale_event(member, at(start.date()), line(1, "A", "x", 500), store_id=store)
    await handle(loyalty_sessions, sale)
    await handle(loyalty_sessions, sale.model_copy(update={"id": str(uuid.uuid4())}))
    read = await client.get(f"/campaigns/{made['id']}", headers=MARKETING)
    assert read.json()["spent_points"] == 30
    assert [e.points for e in await ledger_of(loyalty_sessions, member)] == [5 + 30]


async def test_a_return_delivered_again_under_another_event_id_counts_once(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    start = new_year(6) + timedelta(days=220)
    await put_rules_from(client, start)
    store = uuid.uuid4()
    made = await new_campaign(client, start, store, bonus_points=30)
    member = uuid.uuid4()
    sale = sale_event(member, at(start.date()), line(1, "A", "x", 10_000), store_id=store)
    await handle(loyalty_sessions, sale)
    returned = return_event(member, uuid.UUID(sale.data["purchase_id"]), 4_000, 10_000)
    await handle(loyalty_sessions, returned)
    await handle(loyalty_sessions, returned.model_copy(update={"id": str(uuid.uuid4())}))
    board = await client.get(f"/campaigns/{made['id']}/leaderboard", headers=MARKETING)
    assert board.json()["items"][0]["qualifying_spend_fen"] == 6_000
