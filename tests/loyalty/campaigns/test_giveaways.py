"""A campaign's coupon giveaway: one coupon per qualifying purchase, naming the campaign,
once per purchase, within the campaign's quantity and the definition's limits however
many sales race, and never failing the sale it cannot give a coupon to."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import text

from services.loyalty.campaigns.invariants import budget_violations
from shared.db import Sessions
from tests.loyalty.campaigns.conftest import MARKETING, new_campaign, put_rules_from
from tests.loyalty.conftest import handle, key, ledger_of, published, return_event
from tests.loyalty.coupons.test_api import body as definition_body
from tests.loyalty.rules.sales import at, line, new_year, sale_event

YEAR = 7


async def _definition(client: httpx.AsyncClient, **changes: Any) -> str:
    response = await client.post(
        "/coupons/definitions", json=definition_body(**changes), headers=MARKETING | key()
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _coupons(sessions: Sessions, campaign_id: str) -> list[tuple[uuid.UUID, str]]:
    """(member, status) of the coupons the campaign gave, in grant order."""
    async with sessions() as session:
        rows = await session.execute(
            text(
                "SELECT member_id, status FROM loyalty.coupons WHERE campaign_id = :c "
                "ORDER BY granted_at, id"
            ),
            {"c": campaign_id},
        )
        return [(row.member_id, row.status) for row in rows]


async def _given(client: httpx.AsyncClient, campaign_id: str) -> int:
    read = await client.get(f"/campaigns/{campaign_id}", headers=MARKETING)
    return int(read.json()["coupons_given"])


async def test_a_qualifying_purchase_gets_one_coupon_naming_the_campaign_within_its_quantity(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    start = new_year(YEAR) + timedelta(days=10)
    # the points asserted below: whatever version another test left in force for this year
    await put_rules_from(client, start)
    store = uuid.uuid4()
    definition = await _definition(client)  # one per member
    made = await new_campaign(
        client,
        start,
        store,
        scope={"stores": [str(store)], "categories": ["skincare"]},
        giveaway_definition_id=definition,
        giveaway_threshold_fen=20_000,
        giveaway_quantity=2,
    )
    assert (made["giveaway_definition_id"], made["coupons_given"]) == (definition, 0)
    a, b, c = (uuid.uuid4() for _ in range(3))
    day = at(start.date())

    def sale(member: uuid.UUID, skincare: int) -> Any:
        # the health line is not in scope: only the skincare counts toward the threshold
        return sale_event(
            member,
            day,
            line(1, "S", "skincare", skincare),
            line(2, "H", "health", 50_000),
            store_id=store,
        )

    first = sale(a, 25_000)
    await handle(loyalty_sessions, first)
    await handle(loyalty_sessions, first.model_copy(update={"id": str(uuid.uuid4())}))  # again
    await handle(loyalty_sessions, sale(a, 19_999))  # below the threshold
    await handle(loyalty_sessions, sale(a, 30_000))  # a's limit of one: refused, not counted
    await handle(loyalty_sessions, sale(b, 20_000))  # the threshold exactly: the second
    await handle(loyalty_sessions, sale(c, 30_000))  # the quantity is given out
    assert await _coupons(loyalty_sessions, made["id"]) == [(a, "active"), (b, "active")]
    assert await _given(client, made["id"]) == 2
    [granted] = await published(loyalty_sessions, a, "loyalty.coupon.granted")
    assert (granted["campaign_id"], granted["definition_id"]) == (made["id"], definition)
    # every sale earned its points all the same (1 point per yuan)
    assert [e.points for e in await ledger_of(loyalty_sessions, c)] == [800]
    assert len(await ledger_of(loyalty_sessions, a)) == 3
    async with loyalty_sessions() as session:
        given = await session.execute(
            text(
                "SELECT count(*) FROM loyalty.campaign_purchases p JOIN loyalty.coupons k "
                "ON k.id = p.coupon_id WHERE p.campaign_id = :c AND k.campaign_id = :c"
            ),
            {"c": made["id"]},
        )
        assert given.scalar_one() == 2
        campaign_id = uuid.UUID(made["id"])
        sound = await budget_violations(session, {})
        assert [v for v in sound if v.subject == campaign_id] == []
        # a count that drifted from the coupons is caught
        await session.execute(
            text("UPDATE loyalty.campaigns SET coupons_given = 1 WHERE campaign_id = :c"),
            {"c": campaign_id},
        )
        drifted = await budget_violations(session, {})
        assert [v.subject for v in drifted if v.subject == campaign_id] == [campaign_id]
        await session.rollback()


async def test_racing_sales_get_exactly_the_giveaway_quantity(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    start = new_year(YEAR) + timedelta(days=20)
    store = uuid.uuid4()
    definition = await _definition(client, quantity=None)
    made = await new_campaign(
        client,
        start,
        store,
        giveaway_definition_id=definition,
        giveaway_threshold_fen=1_000,
        giveaway_quantity=5,
    )
    sales = [
        sale_event(uuid.uuid4(), at(start.date()), line(1, "A", "x", 1_000), store_id=store)
        for _ in range(16)
    ]
    await asyncio.gather(*(handle(loyalty_sessions, sale) for sale in sales))
    assert len(await _coupons(loyalty_sessions, made["id"])) == 5
    assert await _given(client, made["id"]) == 5


async def test_the_definitions_own_quantity_bounds_a_giveaway_and_gives_back_the_draw(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    start = new_year(YEAR) + timedelta(days=30)
    await put_rules_from(client, start)  # the 10 points asserted below
    store = uuid.uuid4()
    definition = await _definition(client, quantity=3)
    made = await new_campaign(
        client, start, store, giveaway_definition_id=definition, giveaway_threshold_fen=1
    )
    members = [uuid.uuid4() for _ in range(5)]
    for member in members:
        sale = sale_event(member, at(start.date()), line(1, "A", "x", 1_000), store_id=store)
        await handle(loyalty_sessions, sale)
    assert [m for m, _ in await _coupons(loyalty_sessions, made["id"])] == members[:3]
    assert await _given(client, made["id"]) == 3
    for member in members:
        assert [e.points for e in await ledger_of(loyalty_sessions, member)] == [10]


async def test_a_return_below_the_threshold_takes_back_the_coupon_only_if_unused(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    start = new_year(YEAR) + timedelta(days=40)
    store = uuid.uuid4()
    definition = await _definition(client)
    made = await new_campaign(
        client,
        start,
        store,
        scope={"stores": [str(store)], "categories": ["skincare"]},
        giveaway_definition_id=definition,
        giveaway_threshold_fen=20_000,
    )
    kept, taken = uuid.uuid4(), uuid.uuid4()
    purchases = {}
    for member in (kept, taken):
        sale = sale_event(
            member,
            at(start.date()),
            line(1, "S", "skincare", 25_000),
            line(2, "H", "health", 15_000),
            store_id=store,
        )
        await handle(loyalty_sessions, sale)
        purchases[member] = uuid.UUID(sale.data["purchase_id"])
    # 8_000 of 40_000 back: 25_000 × 8_000 / 40_000 = 5_000 of skincare; 20_000 left
    first = return_event(taken, purchases[taken], 8_000, 40_000)
    await handle(loyalty_sessions, first)
    assert await _coupons(loyalty_sessions, made["id"]) == [(kept, "active"), (taken, "active")]
    # 4_000 more: 25_000 × 12_000 / 40_000 = 7_500; 17_500 left, below the threshold
    await handle(loyalty_sessions, return_event(taken, purchases[taken], 4_000, 40_000))
    assert dict(await _coupons(loyalty_sessions, made["id"]))[taken] == "withdrawn"
    [withdrawn] = await published(loyalty_sessions, taken, "loyalty.coupon.withdrawn")
    assert (withdrawn["campaign_id"], withdrawn["purchase_id"]) == (
        made["id"],
        str(purchases[taken]),
    )
    listed = await client.get(f"/members/{taken}/coupons", headers=MARKETING)
    assert [(c["status"], c["campaign_id"]) for c in listed.json()["items"]] == [
        ("withdrawn", made["id"])
    ]
    await handle(loyalty_sessions, first.model_copy(update={"id": str(uuid.uuid4())}))  # again
    assert len(await published(loyalty_sessions, taken, "loyalty.coupon.withdrawn")) == 1

    # a coupon no longer active (here expired by the daily job) stays as it is
    async with loyalty_sessions.begin() as session:
        await session.execute(
            text("UPDATE loyalty.coupons SET status = 'expired' WHERE member_id = :m"),
            {"m": kept},
        )
    await handle(loyalty_sessions, return_event(kept, purchases[kept], 40_000, 40_000))
    assert dict(await _coupons(loyalty_sessions, made["id"]))[kept] == "expired"
    assert await published(loyalty_sessions, kept, "loyalty.coupon.withdrawn") == []
    assert await _given(client, made["id"]) == 2  # the campaign gave two, whatever came after
