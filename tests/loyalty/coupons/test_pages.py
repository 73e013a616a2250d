"""Coupon lists page by cursor to their last item: the definitions, a member's coupons, a
bulk grant's refused members."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from shared.db import Sessions
from tests.loyalty.conftest import funded_member, key, problem
from tests.loyalty.coupons.test_api import ANALYST, MARKETING
from tests.loyalty.coupons.test_grants import SERVICE, _definition, _grant
from tests.stack import eventually, every_item, member_headers, newest_first

FORGED = "bm90LW91cnM="


async def test_the_definitions_page_newest_first(client: httpx.AsyncClient) -> None:
    made = [await _definition(client, name=f"第{i}张") for i in range(3)]

    listed = await every_item(client, "/coupons/definitions", ANALYST, limit=3)
    assert newest_first(listed, "created_at")
    assert [d["id"] for d in listed if d["id"] in made] == made[::-1]
    assert listed == await every_item(client, "/coupons/definitions", ANALYST)

    forged = await client.get("/coupons/definitions", params={"cursor": FORGED}, headers=ANALYST)
    assert [e["location"] for e in problem(forged, 422)["errors"]] == ["query.cursor"]


async def test_a_members_coupons_page_the_latest_granted_first(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member = await funded_member(loyalty_sessions, 10_000)
    definition_id = await _definition(client, per_member_limit=5)
    granted = []
    for n in range(5):
        answer = await _grant(client, member, definition_id, grant_key=f"g{n}")
        assert answer.status_code == 201, answer.text
        granted.append(answer.json()["id"])
    path = f"/members/{member}/coupons"

    own = await every_item(client, path, member_headers(member), limit=2)
    assert newest_first(own, "granted_at")
    assert [c["id"] for c in own] == granted[::-1]
    by_staff = await every_item(client, path, SERVICE, limit=4)
    assert [c["id"] for c in by_staff] == granted[::-1]
    assert all(c["code"].startswith("****-****-") for c in by_staff)

    forged = await client.get(path, params={"cursor": FORGED}, headers=SERVICE)
    assert [e["location"] for e in problem(forged, 422)["errors"]] == ["query.cursor"]


async def test_every_member_a_bulk_grant_refused_is_listed_by_id(
    client: httpx.AsyncClient,
) -> None:
    definition_id = await _definition(client)
    strangers = sorted(uuid.uuid4() for _ in range(5))  # loyalty has no account of them
    grants = f"/coupons/definitions/{definition_id}/grants"
    sent = {"member_ids": [str(m) for m in strangers], "grant_key": "thanks"}
    accepted = await client.post(grants, json=sent, headers=MARKETING | key())
    assert accepted.status_code == 202, accepted.text
    location = accepted.headers["location"]

    async def finished() -> dict[str, Any] | None:
        progress: dict[str, Any] = (await client.get(location, headers=ANALYST)).json()
        return progress if progress["finished_at"] else None

    assert (await eventually(finished))["refused"] == 5
    refusals = await every_item(client, f"{location}/refusals", ANALYST, limit=2)
    assert refusals == [{"member_id": str(m), "reason": "no_account"} for m in strangers]

    forged = await client.get(
        f"{location}/refusals", params={"cursor": str(strangers[0]).upper()}, headers=ANALYST
    )
    assert [e["location"] for e in problem(forged, 422)["errors"]] == ["query.cursor"]
    unknown = await client.get(f"{grants}/{uuid.uuid4()}/refusals", headers=ANALYST)
    assert problem(unknown, 404)["type"].endswith(":coupon-grant-batch-not-found")
