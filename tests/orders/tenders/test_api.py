"""A sale's tenders and receipt over the real app: single posts, batches, what they cost."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from services.orders.purchases import service
from services.orders.purchases.schemas import PurchaseCreate
from shared.crypto import PiiCipher
from shared.db import Sessions, transaction
from tests.loyalty.statements import engine_of, statements
from tests.orders.conftest import (
    LINES,
    TOTAL,
    KnownMember,
    StoreKey,
    events_of,
    footprint,
    is_problem,
    new_key,
    post_sale,
)
from tests.stack import Stack

CARD_AND_CASH = [{"kind": "card", "amount_fen": 30_000}, {"kind": "cash", "amount_fen": 20_000}]


async def test_a_sale_paid_by_card_and_cash_answers_its_receipt_with_the_change(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    sale = await post_sale(client, store, member, tenders=CARD_AND_CASH)

    receipt = sale["receipt"]
    assert [(t["kind"], t["amount_fen"], t["tendered_fen"]) for t in receipt["tenders"]] == [
        ("card", 30_000, 30_000),
        ("cash", TOTAL - 30_000, 20_000),
    ]
    assert (receipt["total_fen"], receipt["tendered_fen"], receipt["change_fen"]) == (
        TOTAL,
        50_000,
        50_000 - TOTAL,
    )
    read = await client.get(f"/purchases/{sale['id']}", headers=store.headers)
    assert read.json()["receipt"] == receipt
    [completed] = await events_of(orders_sessions, member, "orders.purchase.completed")
    assert completed["receipt"] == {
        "tenders": [
            {"kind": "card", "amount_fen": 30_000, "tendered_fen": 30_000},
            {"kind": "cash", "amount_fen": TOTAL - 30_000, "tendered_fen": 20_000},
        ],
        "tendered_fen": 50_000,
        "change_fen": 50_000 - TOTAL,
    }


async def test_a_sale_without_tenders_is_one_unspecified_tender_of_its_total(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    sale = await post_sale(client, store, member)

    assert sale["receipt"]["tenders"] == [
        {"kind": "unspecified", "amount_fen": TOTAL, "tendered_fen": TOTAL, "refunded_fen": 0}
    ]
    assert sale["receipt"]["change_fen"] == 0
    [completed] = await events_of(orders_sessions, member, "orders.purchase.completed")
    assert completed["receipt"]["tenders"] == [
        {"kind": "unspecified", "amount_fen": TOTAL, "tendered_fen": TOTAL}
    ]


async def test_bad_tenders_are_problems_naming_the_field_and_write_nothing(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    before = await footprint(orders_sessions, store, member)
    cases: list[tuple[list[dict[str, Any]], str, str]] = [
        (
            [{"kind": "card", "amount_fen": 100}, {"kind": "voucher", "amount_fen": 500}],
            "body.tenders.1.kind",
            "tender-not-accepted",
        ),
        ([{"kind": "card", "amount_fen": TOTAL - 1}], "body.tenders", "tenders-do-not-add-up"),
        ([{"kind": "card", "amount_fen": TOTAL + 1}], "body.tenders.0.amount_fen", "add-up"),
        ([{"kind": "cash", "amount_fen": 0}], "body.tenders.0.amount_fen", "invalid-request"),
        ([{"kind": "cheque", "amount_fen": TOTAL}], "body.tenders.0.kind", "invalid-request"),
        ([], "body.tenders", "invalid-request"),
    ]
    for tenders, location, slug in cases:
        response = await client.post(
            "/purchases",
            json={"card_number": member.card_number, "lines": LINES, "tenders": tenders},
            headers=store.headers | new_key(),
        )
        refused = is_problem(response, 422)
        assert refused["type"].endswith(slug), (tenders, refused)
        assert location in [error["location"] for error in refused["errors"]], refused
    assert await footprint(orders_sessions, store, member) == before


async def test_a_batch_takes_the_same_tenders_and_refuses_a_sale_alone(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    def sale(tenders: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "idempotency_key": uuid.uuid4().hex,
            "card_number": member.card_number,
            "lines": LINES,
            "tenders": tenders,
        }

    response = await client.post(
        "/purchases:batch",
        json={
            "sales": [
                sale(CARD_AND_CASH),
                # a batch of day-end sales takes no points: a hold lives minutes, not days
                sale(
                    [{"kind": "points", "amount_fen": TOTAL, "reservation_id": str(uuid.uuid4())}]
                ),
            ]
        },
        headers=store.headers,
    )

    assert response.status_code == 200, response.text
    recorded, refused = response.json()["results"]
    assert recorded["status"] == 201
    assert recorded["purchase"]["receipt"]["change_fen"] == 50_000 - TOTAL
    assert refused["status"] == 422
    assert refused["error"]["type"] == "urn:huiyuan:problem:tender-not-accepted"
    assert refused["error"]["errors"][0]["location"] == "body.sales.1.tenders.0.kind"
    [completed] = await events_of(orders_sessions, member, "orders.purchase.completed")
    assert completed["receipt"]["change_fen"] == 50_000 - TOTAL


async def test_tenders_cost_the_sale_no_statement(
    stack: Stack, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    """Tenders travel in the sale's own insert: a sale with two tenders sends exactly the
    statements of a sale without (member lookup, the insert, the outbox)."""
    cipher = PiiCipher(stack.settings("orders").pii_key.get_secret_value())
    sent: dict[str, list[str]] = {}
    for name, tenders in (("without", None), ("with", CARD_AND_CASH)):
        body = {"card_number": member.card_number, "lines": LINES, "tenders": tenders}
        data = PurchaseCreate.model_validate(body)
        async with transaction(orders_sessions) as session:
            with statements(engine_of(orders_sessions)) as sent[name]:
                await service.record_purchase(session, cipher, store.store_id, data, sent=body)
    assert len(sent["with"]) == len(sent["without"])
    [insert] = [s for s in sent["with"] if "INSERT INTO orders.purchases" in s]
    assert "jsonb" in insert.lower()
