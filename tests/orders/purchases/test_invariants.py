"""Orders' sale invariants: clean over real discounted sales and returns, and each one names
the sale when a row is changed behind the service's back.

The sale is the discounts tests' (``LINES`` with a 3000 fen coupon over both lines and a
manual 500 fen on line 2; line 1 pays 37187, line 2 5013, the total 42200), paid by card
and cash, with one unit of line 1 returned.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import text

from services.orders.purchases.invariants import sale_violations
from shared.db import Sessions
from tests.orders.conftest import KnownMember, StoreKey, new_key, post_sale
from tests.orders.discounts.test_api import CARD_AND_CASH, DISCOUNTS

CORRUPTIONS = {
    "sale_total": "UPDATE orders.purchases SET total_fen = total_fen + 1 WHERE id = :id",
    "discount_shares": (
        "UPDATE orders.purchases SET discounts = jsonb_set(discounts, '{0,amount_fen}', '3001')"
        " WHERE id = :id"
    ),
    "tenders_pay_total": (
        "UPDATE orders.purchases"
        " SET tenders = jsonb_set(tenders, '{0,refunded_fen}', '30001') WHERE id = :id"
    ),
    "returns_within_paid": (
        "UPDATE orders.purchase_lines SET returned_quantity = 2"
        " WHERE purchase_id = :id AND line_no = 1"
    ),
}


async def _returned_sale(
    client: httpx.AsyncClient, store: StoreKey, member: KnownMember
) -> uuid.UUID:
    sale = await post_sale(client, store, member, discounts=DISCOUNTS, tenders=CARD_AND_CASH)
    back = await client.post(
        f"/purchases/{sale['id']}/returns",
        json={"lines": [{"line_no": 1, "quantity": 1}]},
        headers=store.headers | new_key(),
    )
    assert back.status_code == 201, back.text
    return uuid.UUID(sale["id"])


async def test_discounted_sales_and_their_returns_keep_every_invariant(
    client: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    await _returned_sale(client, store, member)
    full = await post_sale(client, store, member, discounts=DISCOUNTS, tenders=CARD_AND_CASH)
    everything = await client.post(
        f"/purchases/{full['id']}/returns", json={"all": True}, headers=store.headers | new_key()
    )
    assert everything.status_code == 201, everything.text

    async with orders_sessions() as session:
        assert await sale_violations(session, [store.store_id]) == []


@pytest.mark.parametrize("invariant", list(CORRUPTIONS))
async def test_each_invariant_names_the_sale_that_breaks_it(
    client: httpx.AsyncClient,
    orders_sessions: Sessions,
    store: StoreKey,
    member: KnownMember,
    invariant: str,
) -> None:
    sale_id = await _returned_sale(client, store, member)
    async with orders_sessions() as session, session.begin():
        await session.execute(text(CORRUPTIONS[invariant]), {"id": sale_id})
        found = {(v.invariant, v.purchase_id) for v in await sale_violations(session)}
        await session.rollback()
    assert (invariant, sale_id) in found
    if invariant != "sale_total":  # a changed total also no longer matches its tenders
        assert {name for name, _ in found if _ == sale_id} == {invariant}
