"""A store's sales read by staff: an admin or the store's manager, a manager scoped to
another store refused (403), over the real orders app."""

from __future__ import annotations

import uuid

import httpx

from shared.db import Sessions
from tests.orders.conftest import KnownMember, StoreKey, is_problem, new_store, post_sale
from tests.security.tokens import manager_of
from tests.stack import staff_headers


async def test_the_stores_manager_reads_its_sales_and_no_other_stores(
    client: httpx.AsyncClient, store: StoreKey, member: KnownMember, orders_sessions: Sessions
) -> None:
    sale = await post_sale(client, store, member)
    other = await new_store(orders_sessions, "徐汇店")
    manager = manager_of(store.store_id)

    listed = await client.get(f"/stores/{store.store_id}/purchases", headers=manager)
    assert listed.status_code == 200, listed.text
    assert [p["id"] for p in listed.json()["items"]] == [sale["id"]]
    read = await client.get(f"/stores/{store.store_id}/purchases/{sale['id']}", headers=manager)
    assert read.json() == sale | {"voided_at": None}
    by_key = await client.get("/purchases", headers=store.headers)
    assert by_key.json() == listed.json()

    is_problem(await client.get(f"/stores/{other.store_id}/purchases", headers=manager), 403)
    elsewhere = f"/stores/{other.store_id}/purchases/{sale['id']}"
    is_problem(await client.get(elsewhere, headers=manager_of(other.store_id)), 404)
    is_problem(await client.get(elsewhere, headers=manager), 403)
    is_problem(
        await client.get(f"/stores/{store.store_id}/purchases", headers=staff_headers("service")),
        403,
    )
    for anyone in (staff_headers("admin"), manager_of(None)):
        every = await client.get(f"/stores/{store.store_id}/purchases", headers=anyone)
        assert [p["id"] for p in every.json()["items"]] == [sale["id"]]
    missing = f"/stores/{store.store_id}/purchases/{uuid.uuid4()}"
    is_problem(await client.get(missing, headers=manager), 404)
