"""Tier coupons, hand-computed: members on a tier get its definitions once a calendar year
of the brand (on the seeds' ladder: vip from 100,000 fen, star from 500,000), none on a
tier without coupons; set over HTTP with bad input refused naming the field."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import text

from services.loyalty.coupons.models import CouponDefinition
from services.loyalty.tier_coupons.service import grant_tier_coupons
from shared.db import Sessions
from tests.loyalty.conftest import funded_member, problem
from tests.loyalty.coupons.test_jobs import _definition
from tests.stack import staff_headers

MARKETING = staff_headers("marketing")


@pytest.fixture
async def definitions(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> AsyncIterator[list[CouponDefinition]]:
    made = [await _definition(loyalty_sessions) for _ in range(3)]
    yield made
    cleared = await client.put("/coupons/tier-coupons", json={"tiers": {}}, headers=MARKETING)
    assert cleared.json()["tiers"] == {}


async def _keys(sessions: Sessions, member: uuid.UUID) -> list[tuple[str, str]]:
    async with sessions() as session:
        rows = await session.execute(
            text(
                "SELECT definition_id::text, grant_key FROM loyalty.coupons "
                "WHERE member_id = :m ORDER BY grant_key, definition_id"
            ),
            {"m": member},
        )
        return [(row[0], row[1]) for row in rows]


async def test_members_on_a_tier_get_its_coupons_once_a_year(
    client: httpx.AsyncClient,
    loyalty_sessions: Sessions,
    definitions: list[CouponDefinition],
) -> None:
    a, b, c = (str(d.id) for d in definitions)
    put = await client.put(
        "/coupons/tier-coupons",
        json={"tiers": {"vip": [a], "star": [b, c, b]}},
        headers=MARKETING,
    )
    assert put.status_code == 200, put.text
    assert put.json()["tiers"] == {"vip": [a], "star": sorted([b, c])}
    vip = await funded_member(loyalty_sessions, 100_000)
    star = await funded_member(loyalty_sessions, 500_000)
    standard = await funded_member(loyalty_sessions, 99_999)

    now = datetime(2026, 12, 1, 2, tzinfo=UTC)
    await grant_tier_coupons(loyalty_sessions, now)  # the app's daily run may race it
    assert await _keys(loyalty_sessions, vip) == [(a, "tier:vip:2026")]
    assert await _keys(loyalty_sessions, star) == sorted(
        [(b, "tier:star:2026"), (c, "tier:star:2026")]
    )
    assert await _keys(loyalty_sessions, standard) == []
    await grant_tier_coupons(loyalty_sessions, now)
    assert len(await _keys(loyalty_sessions, star)) == 2

    # 00:30 on 1 January 2027 in Shanghai: a new year of the brand
    await grant_tier_coupons(loyalty_sessions, datetime(2026, 12, 31, 16, 30, tzinfo=UTC))
    assert await _keys(loyalty_sessions, vip) == [(a, "tier:vip:2026"), (a, "tier:vip:2027")]


async def test_bad_tier_coupons_are_refused_naming_the_field(
    client: httpx.AsyncClient, definitions: list[CouponDefinition]
) -> None:
    a = str(definitions[0].id)
    unknown_tier = await client.put(
        "/coupons/tier-coupons", json={"tiers": {"gold": [a]}}, headers=MARKETING
    )
    refused = problem(unknown_tier, 422)
    assert refused["type"].endswith("unknown-tier")
    assert "tiers" in str(refused)
    missing = await client.put(
        "/coupons/tier-coupons", json={"tiers": {"vip": [str(uuid.uuid4())]}}, headers=MARKETING
    )
    assert problem(missing, 404)["type"].endswith("coupon-definition-not-found")
    bad_lists: list[list[str]] = [[], [a] * 11, ["x"]]
    for definitions_sent in bad_lists:
        sent = {"tiers": {"vip": definitions_sent}}
        bad = await client.put("/coupons/tier-coupons", json=sent, headers=MARKETING)
        assert "tiers" in str(problem(bad, 422))
    unchanged = await client.get("/coupons/tier-coupons", headers=staff_headers("analyst"))
    assert unchanged.json()["tiers"] == {}
