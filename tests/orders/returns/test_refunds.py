"""Returns refund a sale's tenders in the documented order, never more than each paid."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import update

from services.orders.purchases.models import Purchase
from shared.db import Sessions, transaction
from tests.orders.conftest import TOTAL, KnownMember, StoreKey, events_of, new_key, post_sale

CARD_AND_CASH = [{"kind": "card", "amount_fen": 30_000}, {"kind": "cash", "amount_fen": 20_000}]


async def test_returns_refund_card_before_cash_and_the_receipt_keeps_count(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    sale = await post_sale(client, store, member, tenders=CARD_AND_CASH)
    returns = f"/purchases/{sale['id']}/returns"

    first = await client.post(
        returns, json={"lines": [{"line_no": 1, "quantity": 1}]}, headers=store.headers | new_key()
    )
    assert first.status_code == 201, first.text
    assert first.json()["refunds"] == [{"kind": "card", "amount_fen": 19_900, "paid_out": True}]
    assert first.json()["paid_out_fen"] == 19_900
    rest = await client.post(returns, json={"all": True}, headers=store.headers | new_key())
    assert rest.status_code == 201, rest.text
    assert rest.json()["refunds"] == [
        {"kind": "card", "amount_fen": 30_000 - 19_900, "paid_out": True},
        {"kind": "cash", "amount_fen": TOTAL - 30_000, "paid_out": True},
    ]

    read = await client.get(f"/purchases/{sale['id']}", headers=store.headers)
    receipt = read.json()["receipt"]
    assert [(t["kind"], t["refunded_fen"]) for t in receipt["tenders"]] == [
        ("card", 30_000),
        ("cash", TOTAL - 30_000),
    ]
    assert receipt["refunded_fen"] == TOTAL
    events = await events_of(orders_sessions, member, "orders.purchase.returned")
    assert [e["refunds"] for e in events] == [first.json()["refunds"], rest.json()["refunds"]]


async def test_a_sale_recorded_before_tenders_refunds_its_unspecified_tender(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    sale = await post_sale(client, store, member)
    async with transaction(orders_sessions) as session:  # as the upgrade leaves old sales
        await session.execute(
            update(Purchase).where(Purchase.id == uuid.UUID(sale["id"])).values(tenders=None)  # type: ignore[arg-type]
        )
    returns = f"/purchases/{sale['id']}/returns"

    first = await client.post(
        returns, json={"lines": [{"line_no": 2, "quantity": 1}]}, headers=store.headers | new_key()
    )
    assert first.json()["refunds"] == [
        {"kind": "unspecified", "amount_fen": 5_900, "paid_out": True}
    ]
    read = await client.get(f"/purchases/{sale['id']}", headers=store.headers)
    assert read.json()["receipt"]["tenders"] == [
        {"kind": "unspecified", "amount_fen": TOTAL, "tendered_fen": TOTAL, "refunded_fen": 5_900}
    ]
    rest = await client.post(returns, json={"all": True}, headers=store.headers | new_key())
    assert rest.json()["refunds"] == [
        {"kind": "unspecified", "amount_fen": TOTAL - 5_900, "paid_out": True}
    ]
