"""Discounted sales over the real app: lines and total after discounts, exact returns, the
void, the batch path, and bad discounts refused with nothing written.

The sale is ``LINES`` (2 × 19900 and 1 × 5900 = 45700 fen) with a coupon of 3000 fen over
both lines and a manual 500 fen on line 2. The coupon's shares: 39800 × 3000 / 45700 =
2612.69 → 2612 and 5900 × 3000 / 45700 = 387.30 → 387, the fen left to line 1 (larger):
2613 and 387. Line 1 pays 39800 − 2613 = 37187, line 2 5900 − 887 = 5013; the total 42200.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from services.orders.purchases import service
from services.orders.purchases.models import Purchase
from services.orders.purchases.schemas import PurchaseCreate
from shared.crypto import PiiCipher
from shared.db import Sessions, transaction
from tests.loyalty.statements import engine_of, statements
from tests.orders.conftest import (
    LINES,
    KnownMember,
    StoreKey,
    events_of,
    footprint,
    is_problem,
    new_key,
    post_sale,
)
from tests.stack import Stack

COUPON = "7KQ4-M9XD-2HPA"
DISCOUNTS = [
    {"source": COUPON, "amount_fen": 3000},
    {"source": "manual", "amount_fen": 500, "lines": [2]},
]
PAID = 42_200
CARD_AND_CASH = [{"kind": "card", "amount_fen": 30_000}, {"kind": "cash", "amount_fen": 12_500}]


async def test_a_discounted_sale_records_each_line_s_discount_and_the_paid_total(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    sale = await post_sale(client, store, member, discounts=DISCOUNTS, tenders=CARD_AND_CASH)

    assert sale["total_fen"] == PAID
    assert [(line["amount_fen"], line["discount_fen"]) for line in sale["lines"]] == [
        (37_187, 2_613),
        (5_013, 887),
    ]
    assert sale["discounts"] == [
        {
            "source": COUPON,
            "amount_fen": 3000,
            "lines": [{"line_no": 1, "discount_fen": 2613}, {"line_no": 2, "discount_fen": 387}],
            "reservation_id": None,  # not a coupon held at loyalty
        },
        {
            "source": "manual",
            "amount_fen": 500,
            "lines": [{"line_no": 2, "discount_fen": 500}],
            "reservation_id": None,
        },
    ]
    assert sale["receipt"]["change_fen"] == 300  # 12500 cash for the 12200 left
    read = await client.get(f"/purchases/{sale['id']}", headers=store.headers)
    assert read.json() == sale
    [completed] = await events_of(orders_sessions, member, "orders.purchase.completed")
    assert completed["total_fen"] == PAID
    assert [(line["amount_fen"], line["discount_fen"]) for line in completed["lines"]] == [
        (37_187, 2_613),
        (5_013, 887),
    ]


async def test_a_sale_without_discounts_keeps_its_old_shape(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    sale = await post_sale(client, store, member)
    assert sale["total_fen"] == 45_700
    assert sale["discounts"] == []
    assert [line["discount_fen"] for line in sale["lines"]] == [0, 0]
    async with orders_sessions() as session:
        kept = await session.scalar(
            select(col(Purchase.discounts)).where(col(Purchase.id) == uuid.UUID(sale["id"]))
        )
    assert kept is None  # SQL NULL, not a JSON null or an empty list


async def test_partial_returns_of_a_discounted_sale_refund_exactly_what_was_paid(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    sale = await post_sale(client, store, member, discounts=DISCOUNTS, tenders=CARD_AND_CASH)
    returns = f"/purchases/{sale['id']}/returns"

    one = await client.post(
        returns, json={"lines": [{"line_no": 1, "quantity": 1}]}, headers=store.headers | new_key()
    )
    rest = await client.post(returns, json={"all": True}, headers=store.headers | new_key())

    # the first unit of line 1 carries 2613 × 1 // 2 = 1306 off; the last one the 1307 left
    assert one.status_code == 201, one.text
    assert one.json()["amount_fen"] == 19_900 - 1_306
    assert one.json()["lines"][0] | {"sku": None, "category": None} == {
        "line_no": 1,
        "sku": None,
        "category": None,
        "quantity": 1,
        "amount_fen": 18_594,
        "discount_fen": 1_306,
    }
    assert one.json()["refunds"] == [{"kind": "card", "amount_fen": 18_594, "paid_out": True}]
    assert rest.status_code == 201, rest.text
    assert [(line["amount_fen"], line["discount_fen"]) for line in rest.json()["lines"]] == [
        (18_593, 1_307),
        (5_013, 887),
    ]
    assert rest.json()["amount_fen"] == PAID - 18_594
    assert rest.json()["refunds"] == [
        {"kind": "card", "amount_fen": 30_000 - 18_594, "paid_out": True},
        {"kind": "cash", "amount_fen": 12_200, "paid_out": True},
    ]
    events = await events_of(orders_sessions, member, "orders.purchase.returned")
    assert [(e["amount_fen"], e["purchase_total_fen"]) for e in events] == [
        (18_594, PAID),
        (PAID - 18_594, PAID),
    ]


async def test_a_discounted_sale_is_voided_for_what_it_paid(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    sale = await post_sale(client, store, member, discounts=DISCOUNTS)
    voided = await client.post(
        f"/purchases/{sale['id']}/void", json={}, headers=store.headers | new_key()
    )
    assert voided.status_code == 201, voided.text
    assert (voided.json()["total_fen"], voided.json()["paid_out_fen"]) == (PAID, PAID)
    assert voided.json()["refunds"] == [
        {"kind": "unspecified", "amount_fen": PAID, "paid_out": True}
    ]


async def test_a_batch_applies_the_same_rule_as_a_single_sale(
    client: httpx.AsyncClient, store: StoreKey, member: KnownMember
) -> None:
    sale = {"card_number": member.card_number, "lines": LINES, "discounts": DISCOUNTS}
    bad = sale | {"discounts": [{"source": COUPON, "amount_fen": 45_701}]}
    response = await client.post(
        "/purchases:batch",
        json={
            "sales": [sale | {"idempotency_key": uuid.uuid4().hex}, bad | {"idempotency_key": "b"}]
        },
        headers=store.headers,
    )

    assert response.status_code == 200, response.text
    good, refused = response.json()["results"]
    single = await post_sale(client, store, member, discounts=DISCOUNTS)
    assert good["purchase"]["total_fen"] == single["total_fen"] == PAID
    assert good["purchase"]["lines"] == single["lines"]
    assert good["purchase"]["discounts"] == single["discounts"]
    assert refused["error"]["type"] == "urn:huiyuan:problem:discount-exceeds-lines"
    assert refused["error"]["errors"][0]["location"] == "body.sales.1.discounts.0.amount_fen"


BAD_DISCOUNTS: list[tuple[Any, str, str]] = [
    ([{"source": COUPON, "amount_fen": 1, "lines": [3]}], "discounts.0.lines.0", "invalid"),
    ([{"source": COUPON, "amount_fen": 1, "lines": [1, 1]}], "discounts.0.lines.1", "invalid"),
    ([{"source": COUPON, "amount_fen": 45_701}], "discounts.0.amount_fen", "exceeds"),
    ([{"source": COUPON, "amount_fen": 5_901, "lines": [2]}], "discounts.0.amount_fen", "exceeds"),
    (
        [{"source": "a", "amount_fen": 45_000}, {"source": "b", "amount_fen": 800, "lines": [2]}],
        "discounts.1",
        "exceeds",
    ),
    ([{"source": COUPON, "amount_fen": 0}], "discounts.0.amount_fen", "validation"),
    ([{"source": COUPON, "amount_fen": 10**10 + 1}], "discounts.0.amount_fen", "validation"),
    ([{"source": COUPON, "amount_fen": 2**64}], "discounts.0.amount_fen", "validation"),
    ([{"source": COUPON, "amount_fen": "100"}], "discounts.0.amount_fen", "validation"),
    ([{"source": "", "amount_fen": 1}], "discounts.0.source", "validation"),
    ([{"source": "x" * 65, "amount_fen": 1}], "discounts.0.source", "validation"),
    ([{"source": "满减 30", "amount_fen": 1}], "discounts.0.source", "validation"),
    ([{"source": COUPON, "amount_fen": 1, "lines": []}], "discounts.0.lines", "validation"),
    ([{"source": COUPON, "amount_fen": 1, "lines": [0]}], "discounts.0.lines.0", "validation"),
    ([{"source": COUPON, "amount_fen": 1, "extra": 1}], "discounts.0.extra", "validation"),
    ([], "discounts", "validation"),
    ([{"source": COUPON, "amount_fen": 1}] * 21, "discounts", "validation"),
]


@pytest.mark.parametrize(
    ("discounts", "field", "kind"),
    BAD_DISCOUNTS,
    ids=[f"{field}={str(value)[:30]}" for value, field, _ in BAD_DISCOUNTS],
)
async def test_a_bad_discount_is_a_422_naming_it_and_writes_nothing(
    client: httpx.AsyncClient,
    orders_sessions: Sessions,
    store: StoreKey,
    member: KnownMember,
    discounts: Any,
    field: str,
    kind: str,
) -> None:
    before = await footprint(orders_sessions, store, member)
    response = await client.post(
        "/purchases",
        json={"card_number": member.card_number, "lines": LINES, "discounts": discounts},
        headers=store.headers | new_key(),
    )
    problem = is_problem(response, 422)
    assert f"body.{field}" in {error["location"] for error in problem["errors"]}, problem
    if kind != "validation":
        slug = "invalid-discount" if kind == "invalid" else "discount-exceeds-lines"
        assert problem["type"] == f"urn:huiyuan:problem:{slug}"
    assert await footprint(orders_sessions, store, member) == before


async def test_tenders_must_pay_the_discounted_total(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    before = await footprint(orders_sessions, store, member)
    response = await client.post(
        "/purchases",
        json={
            "card_number": member.card_number,
            "lines": LINES,
            "discounts": DISCOUNTS,
            "tenders": [{"kind": "card", "amount_fen": 45_700}],
        },
        headers=store.headers | new_key(),
    )
    problem = is_problem(response, 422)
    assert problem["type"] == "urn:huiyuan:problem:tenders-do-not-add-up"
    assert "42200 fen" in problem["detail"]
    assert await footprint(orders_sessions, store, member) == before


async def test_discounts_cost_the_sale_no_statement(
    stack: Stack, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    """Discounts travel in the sale's own insert (two more arrays): a discounted sale sends
    exactly the statements of a sale without (member lookup, catalog, insert, outbox)."""
    cipher = PiiCipher(stack.settings("orders").pii_key.get_secret_value())
    sent: dict[str, list[str]] = {}
    for name, discounts in (("without", None), ("with", DISCOUNTS)):
        body = {"card_number": member.card_number, "lines": LINES, "discounts": discounts}
        data = PurchaseCreate.model_validate(body)
        async with transaction(orders_sessions) as session:
            with statements(engine_of(orders_sessions)) as sent[name]:
                await service.record_purchase(session, cipher, store.store_id, data, sent=body)
    assert len(sent["with"]) == len(sent["without"])
    [insert] = [s for s in sent["with"] if "INSERT INTO orders.purchases" in s]
    assert "discount_fen" in insert
