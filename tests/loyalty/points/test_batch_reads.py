"""What a consumer's batch reads once (its accounts under their lock, its sales' category
ancestors, which of its sales a campaign reached) stays right when the batch itself changes
it: a later event of the same batch sees the change. What it emits goes to the outbox at
its end, in the order emitted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import text

from services.loyalty.points.invariants import check_ledger_invariants
from shared.db import Sessions
from shared.events import CloudEvent
from shared.events.orders import ProductChanged
from shared.testing.records import consumer_record
from tests.loyalty.campaigns.conftest import MARKETING, new_campaign, put_rules_from
from tests.loyalty.conftest import (
    event_consumer,
    funded_member,
    ledger_of,
    purchase_event,
    purchase_id_of,
    return_event,
)
from tests.loyalty.rules.sales import at, line, new_year, sale_event


async def _apply(sessions: Sessions, events: list[CloudEvent]) -> None:
    records = [consumer_record(e, offset=i) for i, e in enumerate(events)]
    await event_consumer(sessions).apply(records)


async def test_a_batch_moving_one_account_twice_keeps_its_balance_right(
    loyalty_sessions: Sessions,
) -> None:
    """The second movement of an account in a batch reads the balance the first left."""
    member = uuid.uuid4()
    first = purchase_event(member, 10_000)
    await _apply(loyalty_sessions, [first, purchase_event(uuid.uuid4(), 1_000)])
    others = [purchase_event(uuid.uuid4(), 1_000) for _ in range(3)]
    batch = [
        others[0],
        return_event(member, purchase_id_of(first), 4_000, 10_000),  # -40
        others[1],
        purchase_event(member, 25_000),  # +250
        purchase_event(member, 5_000),  # +50
        others[2],
    ]
    await _apply(loyalty_sessions, batch)

    entries = await ledger_of(loyalty_sessions, member)
    assert [(e.points, e.balance_after) for e in entries] == [
        (100, 100),
        (-40, 60),
        (250, 310),
        (50, 360),
    ]
    async with loyalty_sessions() as session:
        report = await check_ledger_invariants(session, members=[member])
    assert report.ok, report


async def test_a_member_moved_before_the_batch_is_read_again_under_its_lock(
    loyalty_sessions: Sessions,
) -> None:
    member = await funded_member(loyalty_sessions, 7_000)
    await _apply(loyalty_sessions, [purchase_event(member, 3_000), purchase_event(member, 1_000)])
    assert [e.balance_after for e in await ledger_of(loyalty_sessions, member)] == [70, 100, 110]


async def test_a_sale_delivered_twice_in_one_batch_draws_the_campaign_once(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    start = new_year(6) + timedelta(days=240)
    store = uuid.uuid4()
    await put_rules_from(client, start)  # not whichever a test before put for this year
    made = await new_campaign(client, start, store, bonus_points=30, budget_points=1_000)
    member = uuid.uuid4()
    sale = sale_event(member, at(start.date()), line(1, "A", "x", 500), store_id=store)
    again = sale.model_copy(update={"id": str(uuid.uuid4())})
    other = sale_event(uuid.uuid4(), at(start.date()), line(1, "A", "x", 500), store_id=store)
    await _apply(loyalty_sessions, [sale, other, again])

    read = await client.get(f"/campaigns/{made['id']}", headers=MARKETING)
    assert read.json()["spent_points"] == 60  # one bonus per sale, not one per delivery
    assert [e.points for e in await ledger_of(loyalty_sessions, member)] == [5 + 30]


async def test_a_sale_after_its_category_moved_in_the_batch_sees_the_new_tree(
    loyalty_sessions: Sessions,
) -> None:
    category = f"tea-{uuid.uuid4().hex[:6]}"
    moved = ProductChanged(
        product_id=uuid.uuid4(),
        sku="TEA-1",
        name="Tea",
        category=category,
        category_ancestors=("wellness",),
        list_price_fen=5_000,
        status="active",
        revision=1,
        changed_at=datetime.now(UTC),
    )
    now = datetime.now(UTC)
    before = sale_event(uuid.uuid4(), now, line(1, "TEA-1", category, 1_000))
    after = sale_event(uuid.uuid4(), now, line(1, "TEA-1", category, 1_000))
    await _apply(loyalty_sessions, [before, CloudEvent.of(moved, source="/o"), after])

    async with loyalty_sessions() as session:
        kept: dict[uuid.UUID, list[str]] = dict(
            (
                await session.execute(
                    text(
                        "SELECT purchase_id, lines->0->'categories' FROM loyalty.purchases "
                        "WHERE purchase_id = ANY(:ids)"
                    ),
                    {"ids": [purchase_id_of(before), purchase_id_of(after)]},
                )
            ).all()
        )
    assert kept[purchase_id_of(before)] == [category]
    assert kept[purchase_id_of(after)] == [category, "wellness"]


async def test_a_batch_writes_what_it_emitted_in_one_insert_in_the_order_emitted(
    loyalty_sessions: Sessions,
) -> None:
    """Points earned, then the promotion the same sale caused, sale after sale: the relay
    publishes the outbox in its order, so the batch's one insert must keep it."""
    member = uuid.uuid4()
    batch = [
        purchase_event(member, total) for total in (50_000, 60_000, 1_000)
    ]  # vip at 1,000 yuan
    await _apply(loyalty_sessions, batch)

    async with loyalty_sessions() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT event_type, envelope->'data'->>'purchase_id' FROM loyalty.outbox "
                    "WHERE envelope->'data'->>'member_id' = :member ORDER BY seq"
                ),
                {"member": str(member)},
            )
        ).all()
    assert [(kind, purchase) for kind, purchase in rows if kind != "loyalty.account.opened"] == [
        ("loyalty.points.earned", str(purchase_id_of(batch[0]))),
        ("loyalty.points.earned", str(purchase_id_of(batch[1]))),
        ("loyalty.tier.changed", None),
        ("loyalty.points.earned", str(purchase_id_of(batch[2]))),
    ]
