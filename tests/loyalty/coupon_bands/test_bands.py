"""Yearly-spend bands (seed 003) over HTTP, hand-computed: each member placed by their own
qualifying spend of the brand's calendar year net of returns, granted one coupon of the
highest band reached by the batches' worker; a run once per rule and year; bad input."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import text

from services.loyalty.coupon_bands.domain import Band, band_of
from services.loyalty.coupon_bands.service import run_scheduled
from shared.db import Sessions
from tests.loyalty.conftest import handle, key, problem, purchase_event, return_event
from tests.loyalty.coupons.test_api import MARKETING, body
from tests.stack import eventually, staff_headers

ANALYST = staff_headers("analyst")
YEAR = 2021
"""No other test buys in 2021, so the run places only this module's members."""


def test_the_highest_band_reached_wins() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    bands = [Band(300_000, b), Band(1_000_000, a)]
    assert band_of(bands, 1_000_000) == Band(1_000_000, a)
    assert band_of(bands, 999_999) == Band(300_000, b)
    assert band_of(bands, 299_999) is None


async def _definition(client: httpx.AsyncClient, name: str) -> str:
    response = await client.post(
        "/coupons/definitions",
        json=body(name=name, quantity=None, valid_days=30),
        headers=MARKETING | key(),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _bought(sessions: Sessions, member: uuid.UUID, fen: int, at: datetime) -> uuid.UUID:
    event = purchase_event(member, fen, purchased_at=at)
    await handle(sessions, event)
    return uuid.UUID(event.data["purchase_id"])


async def _coupons(sessions: Sessions, member: uuid.UUID) -> list[tuple[str, str]]:
    async with sessions() as session:
        rows = await session.execute(
            text("SELECT definition_id::text, grant_key FROM loyalty.coupons WHERE member_id = :m"),
            {"m": member},
        )
        return [(row[0], row[1]) for row in rows]


async def test_a_year_places_each_member_in_one_band_once(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    big = await _definition(client, "满1000减150")
    mid = await _definition(client, "满500减60")
    small = await _definition(client, "满100减10")
    rule = {
        "name": "年度消费回馈",
        "bands": [
            {"min_spend_fen": 50_000, "definition_id": small},
            {"min_spend_fen": 1_000_000, "definition_id": big},
            {"min_spend_fen": 300_000, "definition_id": mid},
        ],
    }
    added = await client.post("/coupons/band-rules", json=rule, headers=MARKETING | key())
    assert added.status_code == 201, added.text
    rule_id = added.json()["id"]
    assert [b["min_spend_fen"] for b in added.json()["bands"]] == [1_000_000, 300_000, 50_000]

    june = datetime(YEAR, 6, 1, 4, tzinfo=UTC)
    whale, returner, dropped, new_years_eve, new_year = (uuid.uuid4() for _ in range(5))
    # 800,000 + 300,000 = 1,100,000 ≥ 1,000,000: the big band
    await _bought(loyalty_sessions, whale, 800_000, june)
    whales_second = await _bought(loyalty_sessions, whale, 300_000, june)
    # 400,000 − 50,000 returned = 350,000: the middle band (400,000 would be too)
    bought = await _bought(loyalty_sessions, returner, 400_000, june)
    await handle(loyalty_sessions, return_event(returner, bought, 50_000, 400_000))
    # 60,000 − 20,000 = 40,000 < 50,000: no band
    bought = await _bought(loyalty_sessions, dropped, 60_000, june)
    await handle(loyalty_sessions, return_event(dropped, bought, 20_000, 60_000))
    # 23:30 on 31 Dec of the year before in Shanghai: not this year
    await _bought(
        loyalty_sessions, new_years_eve, 2_000_000, datetime(YEAR - 1, 12, 31, 15, 30, tzinfo=UTC)
    )
    # 00:10 on 1 Jan in Shanghai, still the year before in UTC: this year, the small band
    await _bought(
        loyalty_sessions, new_year, 50_000, datetime(YEAR - 1, 12, 31, 16, 10, tzinfo=UTC)
    )

    runs = f"/coupons/band-rules/{rule_id}/runs"
    ran = await client.post(runs, json={"year": YEAR}, headers=MARKETING | key())
    assert ran.status_code == 202, ran.text
    assert ran.headers["location"] == f"{runs}/{YEAR}"
    placed = {b["definition_id"]: b for b in ran.json()["bands"]}
    assert [placed[d]["members"] for d in (big, mid, small)] == [1, 1, 1]

    async def granted() -> bool:
        for definition_id, band in placed.items():
            url = f"/coupons/definitions/{definition_id}/grants/{band['batch_id']}"
            progress: dict[str, Any] = (await client.get(url, headers=ANALYST)).json()
            if progress["finished_at"] is None:
                return False
            assert (progress["granted"], progress["refused"]) == (1, 0)
        return True

    await eventually(granted)
    key_of_year = f"band:{rule_id}:{YEAR}"
    assert await _coupons(loyalty_sessions, whale) == [(big, key_of_year)]
    assert await _coupons(loyalty_sessions, returner) == [(mid, key_of_year)]
    assert await _coupons(loyalty_sessions, new_year) == [(small, key_of_year)]
    assert await _coupons(loyalty_sessions, dropped) == []
    assert await _coupons(loyalty_sessions, new_years_eve) == []

    # once per rule and year: the whale's return since changes nothing
    await handle(loyalty_sessions, return_event(whale, whales_second, 300_000, 300_000))
    again = await client.post(runs, json={"year": YEAR}, headers=MARKETING | key())
    assert again.json() == ran.json()
    read = await client.get(f"{runs}/{YEAR}", headers=ANALYST)
    assert read.json() == ran.json()
    async with loyalty_sessions() as session:
        batches = await session.scalar(
            text("SELECT count(*) FROM loyalty.coupon_grant_batches WHERE grant_key = :k"),
            {"k": key_of_year},
        )
    assert batches == 3


async def test_bad_rules_and_runs_are_refused_naming_the_field(
    client: httpx.AsyncClient,
) -> None:
    definition = await _definition(client, "满100减10")
    band = {"min_spend_fen": 50_000, "definition_id": definition}
    for sent, field in (
        ({"name": "x", "bands": []}, "bands"),
        ({"name": "x", "bands": [band, band]}, "bands"),
        ({"name": "x", "bands": [band | {"min_spend_fen": -1}]}, "min_spend_fen"),
        ({"name": "x", "bands": [band], "run_on_month": 2}, "run_on"),
        ({"name": "x", "bands": [band], "run_on_month": 2, "run_on_day": 29}, "run_on_day"),
    ):
        refused = problem(
            await client.post("/coupons/band-rules", json=sent, headers=MARKETING | key()), 422
        )
        assert field in str(refused), refused
    unknown = band | {"definition_id": str(uuid.uuid4())}
    missing = await client.post(
        "/coupons/band-rules", json={"name": "x", "bands": [unknown]}, headers=MARKETING | key()
    )
    assert problem(missing, 404)["type"].endswith("coupon-definition-not-found")
    added = await client.post(
        "/coupons/band-rules", json={"name": "x", "bands": [band]}, headers=MARKETING | key()
    )
    runs = f"/coupons/band-rules/{added.json()['id']}/runs"
    ahead = await client.post(runs, json={"year": 2999}, headers=MARKETING | key())
    assert problem(ahead, 422)["type"].endswith("coupon-band-year-ahead")
    early = await client.post(runs, json={"year": 1999}, headers=MARKETING | key())
    assert "year" in str(problem(early, 422))
    never = await client.get(f"{runs}/2020", headers=ANALYST)
    assert problem(never, 404)["type"].endswith("coupon-band-rule-not-found")
    nowhere = await client.post(
        f"/coupons/band-rules/{uuid.uuid4()}/runs", json={"year": 2020}, headers=MARKETING | key()
    )
    assert problem(nowhere, 404)["type"].endswith("coupon-band-rule-not-found")


async def test_a_scheduled_rule_runs_on_its_day_for_the_year_before_once(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    definition = await _definition(client, "满100减10")
    rule = {
        "name": "新年回馈",
        "bands": [{"min_spend_fen": 1_500_000, "definition_id": definition}],
        "run_on_month": 1,
        "run_on_day": 5,
    }
    added = await client.post("/coupons/band-rules", json=rule, headers=MARKETING | key())
    rule_id = added.json()["id"]
    member = uuid.uuid4()
    await _bought(loyalty_sessions, member, 1_600_000, datetime(YEAR, 3, 1, tzinfo=UTC))
    # 00:30 on 4 Jan in Shanghai: not the day yet
    assert await run_scheduled(loyalty_sessions, datetime(YEAR, 1, 3, 16, 30, tzinfo=UTC)) == 0
    jan_5th = datetime(YEAR + 1, 1, 4, 16, 30, tzinfo=UTC)  # 00:30 on 5 Jan in Shanghai
    assert await run_scheduled(loyalty_sessions, jan_5th) >= 1
    assert await run_scheduled(loyalty_sessions, jan_5th) == 0
    ran = (await client.get(f"/coupons/band-rules/{rule_id}/runs/{YEAR}", headers=ANALYST)).json()
    assert ran["created_by"] == "daily-job"
    [band] = ran["bands"]
    assert band["members"] >= 1
    await eventually(lambda: _coupons(loyalty_sessions, member))
    assert await _coupons(loyalty_sessions, member) == [(definition, f"band:{rule_id}:{YEAR}")]
