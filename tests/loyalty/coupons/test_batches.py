"""Bulk grants over HTTP and by their worker: accepted at once as due work, each member
granted once per grant key, refusals counted by reason, progress read; a chunk cut short
rolls back whole and is resumed."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import text

from shared.db import Sessions
from tests.loyalty.conftest import handle, key, problem, published, purchase_event
from tests.loyalty.coupons.test_api import MARKETING, body
from tests.stack import eventually, staff_headers

SERVICE = staff_headers("service")


async def _definition(client: httpx.AsyncClient, **changes: Any) -> str:
    response = await client.post(
        "/coupons/definitions", json=body(**changes), headers=MARKETING | key()
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _members(sessions: Sessions, n: int) -> list[uuid.UUID]:
    """``n`` members with accounts, in the order workers take them (by id)."""
    members = sorted(uuid.uuid4() for _ in range(n))
    for member in members:
        await handle(sessions, purchase_event(member, 10_000))
    return members


async def _issued(sessions: Sessions, definition_id: str) -> int:
    async with sessions() as session:
        issued = await session.scalar(
            text("SELECT issued FROM loyalty.coupon_definitions WHERE id = :id"),
            {"id": definition_id},
        )
    return int(issued)


async def test_a_batch_grants_each_member_once_and_counts_refusals_by_reason(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    definition_id = await _definition(client, quantity=3, per_member_limit=1)
    before, other_key, fresh, late = await _members(loyalty_sessions, 4)
    stranger = uuid.uuid4()  # loyalty has no account of them
    for member, grant_key in ((before, "thanks-2026"), (other_key, "welcome")):
        response = await client.post(
            f"/members/{member}/coupons",
            json={"definition_id": definition_id, "grant_key": grant_key},
            headers=SERVICE | key(),
        )
        assert response.status_code == 201, response.text
    sent = {
        "member_ids": [str(m) for m in (before, other_key, fresh, late, stranger, before)],
        "grant_key": "thanks-2026",
    }
    headers = MARKETING | key()
    url = f"/coupons/definitions/{definition_id}/grants"
    accepted = await client.post(url, json=sent, headers=headers)
    assert accepted.status_code == 202, accepted.text
    batch = accepted.json()
    assert (batch["total"], batch["due"], batch["granted"], batch["refused"]) == (5, 5, 0, 0)
    location = accepted.headers["location"]
    assert location == f"{url}/{batch['id']}"
    replayed = await client.post(url, json=sent, headers=headers)
    assert replayed.json()["id"] == batch["id"]

    async def finished() -> dict[str, Any] | None:
        progress: dict[str, Any] = (await client.get(location, headers=SERVICE)).json()
        return progress if progress["finished_at"] else None

    done = await eventually(finished)  # the app's worker grants it
    assert (done["granted"], done["refused"], done["due"]) == (2, 3, 0)
    # one left after two grants: ``fresh`` (the lower id) takes it, ``late`` finds none
    assert done["refused_by_reason"] == {
        "per_member_limit": 1,
        "quantity_exhausted": 1,
        "no_account": 1,
    }
    assert {(r["member_id"], r["reason"]) for r in done["refused_members"]} == {
        (str(other_key), "per_member_limit"),
        (str(late), "quantity_exhausted"),
        (str(stranger), "no_account"),
    }
    assert await _issued(loyalty_sessions, definition_id) == 3
    assert len(await published(loyalty_sessions, before, "loyalty.coupon.granted")) == 1
    assert len(await published(loyalty_sessions, fresh, "loyalty.coupon.granted")) == 1
    assert await published(loyalty_sessions, late, "loyalty.coupon.granted") == []

    again = await client.post(url, json=sent, headers=MARKETING | key())  # a new batch
    assert again.json()["id"] != batch["id"]
    repeated = await eventually(lambda: _finished(client, f"{url}/{again.json()['id']}"))
    assert repeated["granted"] == 2  # the same two coupons, found by their grant key
    assert await _issued(loyalty_sessions, definition_id) == 3


async def _finished(client: httpx.AsyncClient, location: str) -> dict[str, Any] | None:
    progress: dict[str, Any] = (await client.get(location, headers=SERVICE)).json()
    return progress if progress["finished_at"] else None


async def test_bad_batches_are_refused_naming_the_field(client: httpx.AsyncClient) -> None:
    definition_id = await _definition(client)
    url = f"/coupons/definitions/{definition_id}/grants"
    member = str(uuid.uuid4())
    too_many = {"member_ids": [member] * 10_001, "grant_key": "k"}
    for sent, field in (
        (too_many, "member_ids"),
        ({"member_ids": [], "grant_key": "k"}, "member_ids"),
        ({"member_ids": ["not-a-uuid"], "grant_key": "k"}, "member_ids"),
        ({"member_ids": [member]}, "grant_key"),
        ({"member_ids": [member], "grant_key": "k", "extra": 1}, "extra"),
    ):
        refused = problem(await client.post(url, json=sent, headers=MARKETING | key()), 422)
        assert field in str(refused), refused
    missing = uuid.uuid4()
    unknown = await client.post(
        f"/coupons/definitions/{missing}/grants",
        json={"member_ids": [member], "grant_key": "k"},
        headers=MARKETING | key(),
    )
    assert problem(unknown, 404)["type"].endswith("coupon-definition-not-found")
    forbidden = await client.post(
        url, json={"member_ids": [member], "grant_key": "k"}, headers=SERVICE | key()
    )
    assert forbidden.status_code == 403
    other = await client.get(f"{url}/{uuid.uuid4()}", headers=SERVICE)
    assert problem(other, 404)["type"].endswith("coupon-grant-batch-not-found")
