"""The draw campaigns not ended and the categories' ancestors, kept across batches like the
program's reads (``shared.kept``) under ``kept_versions`` rows of their own: a change
committed by anyone, raw SQL included, is read by the next batch; what a transaction that
rolled back read after its own write is never kept; and a batch whose categories are kept
reads neither."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from services.loyalty.lottery import sales as lottery_sales
from services.loyalty.lottery import service as lottery
from services.loyalty.lottery.schemas import LotteryCampaignIn
from services.loyalty.program.service import locked_program
from services.loyalty.rules.categories import categorised
from shared.db import Sessions
from shared.events import CloudEvent
from shared.events.orders import ProductChanged, PurchaseCompleted
from shared.testing.records import consumer_record
from tests.loyalty.conftest import event_consumer, handlers, ledger_of, purchase_id_of
from tests.loyalty.lottery.conftest import campaign_body, points_prize
from tests.loyalty.rules.sales import line, sale_event
from tests.loyalty.statements import engine_of, program_locks, statements
from tests.stack import Stack


@pytest.fixture
async def other_process(stack: Stack) -> AsyncIterator[AsyncEngine]:
    """A writer with a connection of its own, holding no lock of the program."""
    engine = create_async_engine(stack.database_urls["loyalty"])
    try:
        yield engine
    finally:
        await engine.dispose()


async def _apply(sessions: Sessions, events: list[CloudEvent]) -> None:
    records = [consumer_record(e, offset=i) for i, e in enumerate(events)]
    await event_consumer(sessions).apply(records)


def _sales(category: str, n: int = 2) -> list[CloudEvent]:
    now = datetime.now(UTC)
    return [sale_event(uuid.uuid4(), now, line(1, "K-1", category, 20_000)) for _ in range(n)]


async def _categories(sessions: Sessions, sales: list[CloudEvent]) -> list[list[str]]:
    """The categories each sale's first line was rated with, in the order of ``sales``."""
    query = text(
        "SELECT purchase_id, lines->0->'categories' FROM loyalty.purchases "
        "WHERE purchase_id = ANY(:ids)"
    )
    ids = [purchase_id_of(sale) for sale in sales]
    async with sessions() as session:
        kept: dict[uuid.UUID, list[str]] = dict((await session.execute(query, {"ids": ids})).all())
    return [kept[purchase] for purchase in ids]


async def _reached(sessions: Sessions, campaign_id: uuid.UUID, sales: list[CloudEvent]) -> int:
    """How many of ``sales`` earned chances in the draw campaign."""
    query = text(
        "SELECT count(*) FROM loyalty.lottery_purchases "
        "WHERE campaign_id = :campaign AND purchase_id = ANY(:ids)"
    )
    ids = [purchase_id_of(sale) for sale in sales]
    async with sessions() as session:
        return int(await session.scalar(query, {"campaign": campaign_id, "ids": ids}) or 0)


async def _token(sessions: Sessions, name: str) -> uuid.UUID:
    query = text("SELECT version FROM loyalty.kept_versions WHERE name = :name")
    async with sessions() as session:
        found = await session.scalar(query, {"name": name})
    assert isinstance(found, uuid.UUID)
    return found


def _product(
    category: str, ancestors: tuple[str, ...], *, product_id: uuid.UUID, revision: int, price: int
) -> CloudEvent:
    changed = ProductChanged(
        product_id=product_id,
        sku=f"K-{product_id.hex[:8]}",
        name="Kept tea",
        category=category,
        category_ancestors=ancestors,
        list_price_fen=price,
        status="active",
        revision=revision,
        changed_at=datetime.now(UTC),
    )
    return CloudEvent.of(changed, source="/huiyuan/orders")


def _category() -> str:
    return f"kept-{uuid.uuid4().hex[:8]}"


async def test_a_draw_campaign_made_and_ended_by_another_process_applies_from_the_next_batch(
    loyalty_sessions: Sessions, other_process: AsyncEngine
) -> None:
    await _apply(loyalty_sessions, _sales("health"))  # the campaigns not ended kept from here
    campaign_id, now = uuid.uuid4(), datetime.now(UTC)
    async with other_process.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO loyalty.lottery_campaigns (campaign_id, name, starts_at, ends_at, "
                "earn_kind, earn_spend_fen, created_at, created_by) VALUES (:id, 'psql', "
                ":starts, :ends, 'per_sale', 1, :starts, 'psql')"
            ),
            {
                "id": campaign_id,
                "starts": now - timedelta(minutes=1),
                "ends": now + timedelta(hours=1),
            },
        )
    try:
        while_open = _sales("health")
        await _apply(loyalty_sessions, while_open)
        assert await _reached(loyalty_sessions, campaign_id, while_open) == 2
    finally:
        async with other_process.begin() as connection:
            await connection.execute(
                text(
                    "UPDATE loyalty.lottery_campaigns SET ends_at = now() WHERE campaign_id = :id"
                ),
                {"id": campaign_id},
            )
    after_its_end = _sales("health")
    await _apply(loyalty_sessions, after_its_end)
    assert await _reached(loyalty_sessions, campaign_id, after_its_end) == 0


async def test_a_category_moved_by_another_process_is_read_by_the_next_batch(
    loyalty_sessions: Sessions, other_process: AsyncEngine
) -> None:
    category = _category()
    product = _product(category, ("wellness",), product_id=uuid.uuid4(), revision=1, price=100)
    await _apply(loyalty_sessions, [product])
    before = _sales(category)
    await _apply(loyalty_sessions, before)  # its ancestors kept from here
    async with other_process.begin() as connection:
        await connection.execute(
            text(
                "UPDATE loyalty.product_categories SET category_ancestors = ARRAY['beauty'] "
                "WHERE category = :category"
            ),
            {"category": category},
        )
    after, alone = _sales(category), _sales(category, 1)
    await _apply(loyalty_sessions, after)
    await _apply(loyalty_sessions, alone)  # a batch of one reads them as it rates its sale

    assert await _categories(loyalty_sessions, before) == [[category, "wellness"]] * 2
    assert await _categories(loyalty_sessions, after + alone) == [[category, "beauty"]] * 3


async def test_a_price_change_keeps_the_categories_token_a_new_product_or_place_does_not(
    loyalty_sessions: Sessions,
) -> None:
    """Orders announces a price change as the product's whole state: an upsert that changes
    neither category nor ancestors keeps what batches have kept."""
    category, product_id = _category(), uuid.uuid4()
    await _apply(
        loyalty_sessions, [_product(category, ("a",), product_id=product_id, revision=1, price=100)]
    )
    first = await _token(loyalty_sessions, "category_ancestors")
    await _apply(
        loyalty_sessions, [_product(category, ("a",), product_id=product_id, revision=2, price=90)]
    )
    assert await _token(loyalty_sessions, "category_ancestors") == first
    await _apply(
        loyalty_sessions, [_product(category, ("b",), product_id=product_id, revision=3, price=90)]
    )
    moved = await _token(loyalty_sessions, "category_ancestors")
    assert moved != first
    another = _product(category, ("b",), product_id=uuid.uuid4(), revision=1, price=90)
    await _apply(loyalty_sessions, [another])
    assert await _token(loyalty_sessions, "category_ancestors") != moved


async def test_ancestors_a_transaction_read_after_its_own_product_change_are_not_kept(
    loyalty_sessions: Sessions,
) -> None:
    """The transaction holds the program (a consumer's batch) when it writes the category
    and then reads it: read under the tokens it took the lock with, the uncommitted tree
    would be kept for the next batch to take."""
    await _apply(loyalty_sessions, _sales("health"))  # the tokens the next batch reads too
    category = _category()
    ghost = _product(category, ("ghost",), product_id=uuid.uuid4(), revision=1, price=100)
    async with loyalty_sessions() as session:
        await session.begin()
        await locked_program(session)
        await handlers()[ghost.type](session, ghost)
        lines = await categorised(session, [line(1, "K-1", category, 100)], 100)
        assert lines[0].categories == (category, "ghost")  # its own change, seen
        await session.rollback()

    later = _sales(category)
    await _apply(loyalty_sessions, later)
    assert await _categories(loyalty_sessions, later) == [[category]] * 2


async def test_a_draw_campaign_a_transaction_made_and_rolled_back_is_not_kept(
    loyalty_sessions: Sessions, other_process: AsyncEngine
) -> None:
    """A batch after the rollback earns nothing in the campaign that never was (its record
    would break the campaign's foreign key) and earns its points."""
    async with other_process.begin() as connection:  # a token no campaigns are kept under
        await connection.execute(
            text("UPDATE loyalty.lottery_campaigns SET name = name WHERE false")
        )
    body = LotteryCampaignIn.model_validate(
        campaign_body(points_prize(10, 100, 5), earn={"kind": "per_sale", "spend_fen": 1})
    )
    async with loyalty_sessions() as session:
        await session.begin()
        made = await lottery.create(session, body, by="test")
        purchase = _sales("health", 1)[0].payload(PurchaseCompleted)
        assert await lottery_sales.earn_for_purchase(session, purchase) >= 1  # it sees its own
        await session.rollback()

    later = _sales("health")
    await _apply(loyalty_sessions, later)
    assert await _reached(loyalty_sessions, made.id, later) == 0
    for sale in later:  # applied, not parked
        assert len(await ledger_of(loyalty_sessions, uuid.UUID(sale.data["member_id"]))) == 1


async def test_a_batch_whose_categories_are_kept_reads_neither_draws_nor_categories(
    loyalty_sessions: Sessions,
) -> None:
    category = _category()
    product = _product(category, ("wellness",), product_id=uuid.uuid4(), revision=1, price=100)
    await _apply(loyalty_sessions, [product, *_sales("health")])
    engine = engine_of(loyalty_sessions)

    with statements(engine) as first:
        await _apply(loyalty_sessions, _sales(category) + _sales("health"))
    with statements(engine) as again:
        await _apply(loyalty_sessions, _sales(category) + _sales("health"))
    with statements(engine) as alone:
        await _apply(loyalty_sessions, _sales(category, 1))

    def reads(sent: list[str], table: str) -> int:
        return len([s for s in sent if f"FROM loyalty.{table}" in s])

    assert reads(first, "product_categories") == 1  # the new category, once for the batch
    for sent in (again, alone):
        assert reads(sent, "product_categories") == 0
        assert reads(sent, "lottery_campaigns") == 0
        assert len(program_locks(sent)) == 1
    assert reads(first, "lottery_campaigns") == 0


async def test_a_batch_with_a_product_change_queues_for_the_token_before_it_locks_anything(
    loyalty_sessions: Sessions, other_process: AsyncEngine
) -> None:
    """Another replica's batch holds the categories' token row (it changed a product). A
    batch whose product change comes after its sales waits for that row before it takes
    the program's lock or any account: taken midway, the row could close a deadlock with
    the other batch, which may next want a campaign row this one holds."""
    sales = _sales("health")
    product = _product(_category(), ("wellness",), product_id=uuid.uuid4(), revision=1, price=1)
    async with other_process.connect() as replica, other_process.connect() as admin:
        await replica.begin()
        await replica.execute(
            text("SELECT 1 FROM loyalty.kept_versions WHERE name = 'category_ancestors' FOR UPDATE")
        )
        batch = asyncio.create_task(_apply(loyalty_sessions, [*sales, product]))
        waiting = text("SELECT count(*) FROM pg_locks WHERE NOT granted")
        for _ in range(100):
            if await admin.scalar(waiting):
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the batch never waited for the token row")
        await admin.rollback()
        # NOWAIT: raises at once if the waiting batch held the program FOR SHARE
        await admin.execute(
            text("SELECT 1 FROM loyalty.earning_rule WHERE id = 1 FOR UPDATE NOWAIT")
        )
        await admin.rollback()
        await replica.rollback()
        await asyncio.wait_for(batch, timeout=30)
    for sale in sales:
        assert len(await ledger_of(loyalty_sessions, uuid.UUID(sale.data["member_id"]))) == 1
