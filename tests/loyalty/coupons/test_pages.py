"""Coupon lists page by cursor to their last item: the definitions, a member's coupons."""

from __future__ import annotations

import httpx

from shared.db import Sessions
from tests.loyalty.conftest import funded_member, problem
from tests.loyalty.coupons.test_api import ANALYST
from tests.loyalty.coupons.test_grants import SERVICE, _definition, _grant
from tests.stack import every_item, member_headers, newest_first

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
