"""A store's receipt number belongs to one sale: the same sale under a new key is a replay,
another sale with it is 409, and racing requests record it once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlmodel import col

from services.orders.purchases import domain, repository, service
from services.orders.purchases.errors import ReceiptReused
from services.orders.purchases.models import Purchase
from services.orders.purchases.repository import SaleRows
from services.orders.purchases.schemas import PurchaseCreate, PurchaseOut
from shared.crypto import PiiCipher
from shared.db import AsyncSession, Sessions, transaction
from shared.events import CloudEvent
from shared.idempotency import Outcome, Replayed
from tests.orders.conftest import (
    LINES,
    KnownMember,
    StoreKey,
    events_of,
    footprint,
    is_problem,
    new_key,
    new_store,
)
from tests.stack import Stack, eventually


def _sale(member: KnownMember, receipt_no: str, lines: int = 2) -> dict[str, Any]:
    return {"card_number": member.card_number, "lines": LINES[:lines], "receipt_no": receipt_no}


async def _sales_with(sessions: Sessions, store: StoreKey, receipt_no: str) -> int:
    async with sessions() as session:
        return (
            await session.scalar(
                select(func.count())
                .select_from(Purchase)
                .where(
                    col(Purchase.store_id) == store.store_id, col(Purchase.receipt_no) == receipt_no
                )
            )
        ) or 0


async def test_the_same_sale_under_a_new_key_replays_the_first_answer(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    sale = _sale(member, "R-100")
    first = await client.post("/purchases", json=sale, headers=store.headers | new_key())
    retry_key = new_key()

    again = await client.post("/purchases", json=sale, headers=store.headers | retry_key)
    and_again = await client.post("/purchases", json=sale, headers=store.headers | retry_key)

    assert first.status_code == again.status_code == and_again.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert (
        again.headers["Idempotent-Replayed"] == and_again.headers["Idempotent-Replayed"] == "true"
    )
    assert again.content == first.content
    assert and_again.content == first.content
    assert again.headers["Location"] == f"/purchases/{first.json()['id']}"
    # one sale, one event; each key keeps its answer
    assert await footprint(orders_sessions, store, member) == (1, 0, 2, 1)
    assert len(await events_of(orders_sessions, member, "orders.purchase.completed")) == 1


async def test_the_first_answer_is_replayed_even_after_a_return(
    client: httpx.AsyncClient, store: StoreKey, member: KnownMember
) -> None:
    sale = _sale(member, "R-101")
    first = await client.post("/purchases", json=sale, headers=store.headers | new_key())
    returned = await client.post(
        f"/purchases/{first.json()['id']}/returns",
        json={"all": True},
        headers=store.headers | new_key(),
    )
    assert returned.status_code == 201, returned.text

    again = await client.post("/purchases", json=sale, headers=store.headers | new_key())

    assert again.status_code == 201
    assert again.json() == first.json()


async def test_another_sale_with_a_used_receipt_is_409_and_writes_nothing(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    first = await client.post(
        "/purchases", json=_sale(member, "R-102"), headers=store.headers | new_key()
    )
    before = await footprint(orders_sessions, store, member)

    other = await client.post(
        "/purchases", json=_sale(member, "R-102", lines=1), headers=store.headers | new_key()
    )

    refused = is_problem(other, 409)
    assert refused["type"] == "urn:huiyuan:problem:receipt-reused"
    assert refused["title"] == "Receipt number reused"
    assert refused["errors"][0]["location"] == "body.receipt_no"
    assert first.json()["id"] in refused["detail"]
    assert await footprint(orders_sessions, store, member) == before


async def test_the_same_receipt_at_two_stores_is_two_sales(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    other = await new_store(orders_sessions, "Other store")
    answers = [
        await client.post("/purchases", json=_sale(member, "R-103"), headers=s.headers | new_key())
        for s in (store, other)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert ["Idempotent-Replayed" in a.headers for a in answers] == [False, False]
    assert answers[0].json()["id"] != answers[1].json()["id"]


async def test_a_voided_sale_keeps_its_receipt_number(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    sale = _sale(member, "R-111")
    first = await client.post("/purchases", json=sale, headers=store.headers | new_key())
    path = f"/purchases/{first.json()['id']}/void"
    voided = await client.post(path, json={}, headers=store.headers | new_key())
    assert voided.status_code == 201, voided.text

    again = await client.post("/purchases", json=sale, headers=store.headers | new_key())
    other = await client.post(
        "/purchases", json=_sale(member, "R-111", lines=1), headers=store.headers | new_key()
    )

    assert again.status_code == 201, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()  # as first answered, before the void
    assert is_problem(other, 409)["type"] == "urn:huiyuan:problem:receipt-reused"
    assert await _sales_with(orders_sessions, store, "R-111") == 1


async def test_racing_requests_for_one_receipt_record_one_sale(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    same, other = _sale(member, "R-104"), _sale(member, "R-104", lines=1)
    bodies = [same] * 4 + [other] * 2

    answers = await asyncio.gather(
        *(client.post("/purchases", json=b, headers=store.headers | new_key()) for b in bodies)
    )

    recorded = [
        a for a in answers if a.status_code == 201 and "Idempotent-Replayed" not in a.headers
    ]
    assert len(recorded) == 1, [a.text for a in answers]
    winner = recorded[0]
    for body, answer in zip(bodies, answers, strict=True):
        if body == (same if winner in answers[:4] else other):
            assert answer.status_code == 201
            assert answer.content == winner.content
        else:
            assert is_problem(answer, 409)["type"] == "urn:huiyuan:problem:receipt-reused"
    assert await _sales_with(orders_sessions, store, "R-104") == 1
    assert len(await events_of(orders_sessions, member, "orders.purchase.completed")) == 1


async def test_sales_racing_for_one_receipt_never_clash_on_the_id_it_names(
    stack: Stack,
    orders_sessions: Sessions,
    store: StoreKey,
    member: KnownMember,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A receipt number names its sale's id, so sales with one receipt share an id:
    however their inserts interleave, one is recorded and the others replay it (the same
    sale) or are refused (another sale), never a unique violation of the primary key (a
    500). Four inserts are let go at once, round after round, so that some run while
    another writes its index entries: with the receipt's index as the only arbiter of the
    insert, three runs in four failed on the primary key within 100 rounds."""
    cipher = PiiCipher(stack.settings("orders").pii_key.get_secret_value())
    together = asyncio.Barrier(4)
    insert = repository.insert_purchases

    async def insert_together(
        session: AsyncSession, sales: Sequence[SaleRows], events: Sequence[CloudEvent]
    ) -> set[uuid.UUID]:
        await together.wait()
        return await insert(session, sales, events)

    monkeypatch.setattr(repository, "insert_purchases", insert_together)

    async def record(sale: dict[str, Any]) -> Outcome | ReceiptReused:
        try:
            async with transaction(orders_sessions) as session:
                data = PurchaseCreate.model_validate(sale)
                return await service.record_purchase(
                    session, cipher, store.store_id, data, sent=sale
                )
        except ReceiptReused as refused:
            return refused

    rounds = 200
    for round_no in range(rounds):
        same = _sale(member, f"R-RACE-{round_no}")
        other = _sale(member, same["receipt_no"], lines=1)
        sales = [same, other, same, other]
        async with asyncio.timeout(30):  # a sale failing before its insert stalls the others
            answers = await asyncio.gather(*(record(sale) for sale in sales))
        [recorded] = [a for a in answers if isinstance(a, PurchaseOut)]
        assert recorded.id == domain.purchase_id(store.store_id, same["receipt_no"])
        winner = sales[answers.index(recorded)]
        for sale, answer in zip(sales, answers, strict=True):
            if answer is recorded:
                continue
            if sale == winner:
                assert isinstance(answer, Replayed), answer
                assert answer.answer == recorded
            else:
                assert isinstance(answer, ReceiptReused), answer
                assert str(recorded.id) in answer.detail
    async with orders_sessions() as session:
        kept = await session.scalar(
            select(func.count())
            .select_from(Purchase)
            .where(col(Purchase.store_id) == store.store_id)
        )
    assert kept == rounds


@asynccontextmanager
async def _held_sale(
    stack: Stack, sessions: Sessions, store: StoreKey, sale: dict[str, Any]
) -> AsyncIterator[PurchaseOut]:
    """A sale recorded in a transaction that commits only when the block ends."""
    cipher = PiiCipher(stack.settings("orders").pii_key.get_secret_value())
    async with transaction(sessions) as session:
        out = await service.record_purchase(
            session, cipher, store.store_id, PurchaseCreate.model_validate(sale), sent=sale
        )
        assert isinstance(out, PurchaseOut)
        yield out


async def _someone_waits_for_a_lock(sessions: Sessions) -> None:
    async def waiting() -> bool:
        async with sessions() as session:
            found = await session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
            )
        return bool(found)

    await eventually(waiting)


async def test_a_request_racing_an_uncommitted_sale_waits_and_replays_it(
    stack: Stack,
    client: httpx.AsyncClient,
    orders_sessions: Sessions,
    store: StoreKey,
    member: KnownMember,
) -> None:
    sale = _sale(member, "R-105")
    async with _held_sale(stack, orders_sessions, store, sale) as held:
        racing = asyncio.create_task(
            client.post("/purchases", json=sale, headers=store.headers | new_key())
        )
        refused = asyncio.create_task(
            client.post(
                "/purchases", json=_sale(member, "R-105", 1), headers=store.headers | new_key()
            )
        )
        await _someone_waits_for_a_lock(orders_sessions)
        assert not racing.done()
    answer = await racing

    assert answer.status_code == 201, answer.text
    assert answer.headers["Idempotent-Replayed"] == "true"
    assert answer.json() == held.model_dump(mode="json")
    assert is_problem(await refused, 409)["type"] == "urn:huiyuan:problem:receipt-reused"
    assert await _sales_with(orders_sessions, store, "R-105") == 1


async def test_sales_of_a_batch_repeating_a_receipt_behave_as_posted_one_after_another(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    single = await client.post(
        "/purchases", json=_sale(member, "R-106"), headers=store.headers | new_key()
    )

    def keyed(sale: dict[str, Any]) -> dict[str, Any]:
        return sale | {"idempotency_key": uuid.uuid4().hex}

    sales = [
        keyed(_sale(member, "R-107")),  # 0 new
        keyed(_sale(member, "R-107")),  # 1 repeats 0
        keyed(_sale(member, "R-107", lines=1)),  # 2 another sale with 0's receipt
        keyed(_sale(member, "R-106")),  # 3 repeats the single post
        keyed(_sale(member, "R-106", lines=1)),  # 4 another sale with its receipt
        keyed(_sale(member, "R-108") | {"card_number": "0000"}),  # 5 unknown member
        keyed(_sale(member, "R-108", lines=1)),  # 6 so the receipt is still free
    ]

    response = await client.post("/purchases:batch", json={"sales": sales}, headers=store.headers)

    results = response.json()["results"]
    assert [(r["status"], r["replayed"]) for r in results] == [
        (201, False),
        (201, True),
        (409, False),
        (201, True),
        (409, False),
        (422, False),
        (201, False),
    ]
    assert results[1]["purchase"] == results[0]["purchase"]
    assert results[3]["purchase"] == single.json()
    for index in (2, 4):
        error = results[index]["error"]
        assert error["type"] == "urn:huiyuan:problem:receipt-reused"
        assert error["errors"][0]["location"] == f"body.sales.{index}.receipt_no"
    assert (response.json()["accepted"], response.json()["replayed"]) == (2, 2)
    for receipt_no in ("R-106", "R-107", "R-108"):
        assert await _sales_with(orders_sessions, store, receipt_no) == 1
    assert len(await events_of(orders_sessions, member, "orders.purchase.completed")) == 3

    single_retry = await client.post(
        "/purchases", json=_sale(member, "R-107"), headers=store.headers | new_key()
    )
    assert single_retry.headers["Idempotent-Replayed"] == "true"
    assert single_retry.json() == results[0]["purchase"]


async def test_a_batch_racing_an_uncommitted_receipt_is_409_whole_then_replays(
    stack: Stack,
    client: httpx.AsyncClient,
    orders_sessions: Sessions,
    store: StoreKey,
    member: KnownMember,
) -> None:
    sales = [
        _sale(member, "R-109") | {"idempotency_key": uuid.uuid4().hex},
        _sale(member, "R-110") | {"idempotency_key": uuid.uuid4().hex},
    ]
    held_sale = {k: v for k, v in sales[0].items() if k != "idempotency_key"}
    before = await footprint(orders_sessions, store, member)
    async with _held_sale(stack, orders_sessions, store, held_sale) as held:
        racing = asyncio.create_task(
            client.post("/purchases:batch", json={"sales": sales}, headers=store.headers)
        )
        await _someone_waits_for_a_lock(orders_sessions)
    refused = await racing

    body = is_problem(refused, 409)
    assert body["type"] == "urn:huiyuan:problem:receipt-in-progress"
    assert refused.headers["Retry-After"] == "1"
    # only the held sale is there: its purchase and its event (it was recorded without a key)
    assert await footprint(orders_sessions, store, member) == (
        before[0] + 1,
        before[1],
        before[2],
        before[3] + 1,
    )
    again = await client.post("/purchases:batch", json={"sales": sales}, headers=store.headers)
    results = again.json()["results"]
    assert [(r["status"], r["replayed"]) for r in results] == [(201, True), (201, False)]
    assert results[0]["purchase"] == held.model_dump(mode="json")
