"""Earning rules put as versions, purchases rated by the version of their time, the
breakdown on the ledger, and every bad input refused with nothing written."""

from __future__ import annotations

import uuid
from datetime import UTC, date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from services.loyalty.points.invariants import check_ledger_invariants
from services.loyalty.rules.models import EarningRuleVersion
from shared.db import Sessions
from tests.loyalty.conftest import RULE, handle, problem
from tests.loyalty.rules.sales import at, line, new_year, sale_event
from tests.stack import member_headers, staff_headers

MARKETING = staff_headers("marketing")
STORE = uuid.UUID("6f1d2c3b-4a59-4e8d-9c7b-1a2b3c4d5e6f")


async def _put(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.put("/program/earning-rules", json=body, headers=MARKETING)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _ledger(client: httpx.AsyncClient, member_id: uuid.UUID) -> list[dict[str, Any]]:
    response = await client.get(f"/members/{member_id}/ledger", headers=MARKETING)
    assert response.status_code == 200, response.text
    return list(reversed(response.json()["items"]))


async def _versions(sessions: Sessions) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(EarningRuleVersion)) or 0)


async def test_a_scheduled_version_rates_only_sales_made_from_its_time(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    start = new_year(3)
    put = await _put(
        client,
        {
            "effective_from": start.isoformat(),
            "points_per_yuan": 2,
            "tier_multipliers_percent": {"vip": 120},
            "category_multipliers_percent": {"health": 300},
            "excluded_skus": ["GIFT-CARD"],
            "threshold_bonuses": [{"threshold_fen": 30_000, "points": 40}],
            "member_days": [{"name": "member_day", "multiplier_percent": 200, "month_days": [8]}],
        },
    )
    assert put["effective_from"] == start.astimezone(UTC).isoformat().replace("+00:00", "Z")
    read = (await client.get("/program/earning-rules", headers=staff_headers("analyst"))).json()
    assert read["in_force"]["points_per_yuan"] == RULE.points_per_yuan  # still the seeds'
    assert put["version"] in [v["version"] for v in read["versions"]]
    simple = (await client.get("/program/earning-rule", headers=MARKETING)).json()
    assert simple["points_per_yuan"] == RULE.points_per_yuan

    member = uuid.uuid4()
    before = start - timedelta(minutes=1)  # still the seeds rule: 1 point per yuan
    await handle(
        loyalty_sessions, sale_event(member, before, line(1, "A", "health-fishoil", 10_000))
    )
    the_8th = at(date(start.year, 1, 8))
    await handle(
        loyalty_sessions,
        sale_event(
            member,
            the_8th,
            line(1, "HP-FISHOIL-60", "health", 25_800),
            line(2, "SK-CREAM-50", "skincare", 12_345),
            line(3, "GIFT-CARD", "cards", 10_000),
            vouchers_fen=4_000,
            store_id=STORE,
        ),
    )
    entries = await _ledger(client, member)
    assert [e["points"] for e in entries[:1]] == [100]
    assert entries[0]["breakdown"] == [{"rule": "base", "points": 100}]
    # 4,000 fen of vouchers over 25,800 / 12,345 / 10,000 (48,145): 2,143.5 → 2,143 + 1 left
    # over (the largest line), 1,025.6 → 1,025, 830.8 → 830; nets 23,656, 11,320, 9,170.
    # The gift card is excluded; eligible 34,976 fen ≥ 30,000: bonus 40.
    # Fish oil: category health ×3 (beats the 8th's ×2): 23,656 × 2 × 3 / 100 = 1,419.36;
    # cream: the 8th ×2: 11,320 × 2 × 2 / 100 = 452.8; sum 1,872.16 → 1,872.
    # Base 34,976 × 2 / 100 = 699.52 → 699; category +946.24 (running 1,645.76 → 1,645:
    # +946); day +226.4 (running 1,872.16 → 1,872: +227).
    assert entries[1]["points"] == 1_872 + 40
    assert entries[1]["breakdown"] == [
        {"rule": "base", "points": 699},
        {"rule": "category:health", "points": 946},
        {"rule": "day:member_day", "points": 227},
        {"rule": "bonus:30000", "points": 40},
    ]
    async with loyalty_sessions() as session:
        assert (await check_ledger_invariants(session, members=[member])).ok


async def test_the_cap_per_member_day_counts_what_was_earned_that_day(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    start = new_year(4)
    await _put(
        client,
        {"effective_from": start.isoformat(), "points_per_yuan": 1, "cap_per_member_day": 150},
    )
    member = uuid.uuid4()
    day = date(start.year, 3, 3)
    for hour, amount in ((9, 10_000), (15, 10_000), (23, 5_000)):
        event = sale_event(member, at(day, hour), line(1, "A", "x", amount))
        await handle(loyalty_sessions, event)
    next_day = sale_event(member, at(day + timedelta(days=1), 0), line(1, "A", "x", 10_000))
    await handle(loyalty_sessions, next_day)
    entries = await _ledger(client, member)
    assert [e["points"] for e in entries] == [100, 50, 0, 100]
    assert entries[1]["breakdown"] == [
        {"rule": "base", "points": 100},
        {"rule": "cap:member_day", "points": -50},
    ]
    async with loyalty_sessions() as session:
        assert (await check_ledger_invariants(session, members=[member])).ok


async def test_the_simple_form_keeps_the_other_rules_in_force(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    before = await _versions(loyalty_sessions)
    body = RULE.model_dump()
    response = await client.put("/program/earning-rule", json=body, headers=MARKETING)
    assert response.status_code == 200, response.text
    assert response.json()["tier_multipliers_percent"] == RULE.tier_multipliers_percent
    read = (await client.get("/program/earning-rules", headers=MARKETING)).json()
    assert read["in_force"]["points_per_yuan"] == RULE.points_per_yuan
    assert await _versions(loyalty_sessions) == before + 1


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"effective_from": "2020-01-01T00:00:00+08:00"}, "body.effective_from", "in the past"),
        ({"effective_from": "2030-01-01T00:00:00"}, "body.effective_from", "UTC offset"),
        ({"effective_from": "2999-01-01T00:00:00Z"}, "body.effective_from", "10 years"),
        ({"points_per_yuan": 1001}, "body.points_per_yuan", "less than or equal to 1000"),
        (
            {"category_multipliers_percent": {"a": 1001}},
            "body.category_multipliers_percent.a",
            "1000",
        ),
        (
            {"store_multipliers_percent": {"not-a-uuid": 100}},
            "body.store_multipliers_percent",
            "UUID",
        ),
        ({"excluded_skus": ["=cmd"]}, "body.excluded_skus.0", "may contain only"),
        (
            {"member_days": [{"name": "d", "multiplier_percent": 200}]},
            "body.member_days.0",
            "at least one",
        ),
        (
            {"member_days": [{"name": "d", "multiplier_percent": 200, "weekdays": [8]}]},
            "body.member_days.0.weekdays.0",
            "less than or equal to 7",
        ),
        (
            {"member_days": [{"name": "d", "multiplier_percent": 200, "dates": ["12/12/2026"]}]},
            "body.member_days.0.dates.0",
            "written like",
        ),
        (
            {
                "member_days": [
                    {"name": "d", "multiplier_percent": 200, "weekdays": [1]},
                    {"name": "d", "multiplier_percent": 300, "weekdays": [2]},
                ]
            },
            "body",
            "names must be unique",
        ),
        (
            {"threshold_bonuses": [{"threshold_fen": 1, "points": 1}] * 2},
            "body",
            "thresholds must be unique",
        ),
        (
            {"threshold_bonuses": [{"threshold_fen": 1, "points": 0}]},
            "body.threshold_bonuses.0.points",
            "greater than or equal to 1",
        ),
        ({"cap_per_sale": 0}, "body.cap_per_sale", "greater than or equal to 1"),
        ({"excluded_categories": ["c"] * 201}, "body.excluded_categories", "at most 200"),
        ({"minimum_spend_fen": "100"}, "body.minimum_spend_fen", "valid integer"),
        ({"surprise": 1}, "body.surprise", "Extra inputs"),
    ],
)
async def test_bad_rules_are_refused_naming_the_field_and_nothing_is_written(
    client: httpx.AsyncClient,
    loyalty_sessions: Sessions,
    body: dict[str, Any],
    field: str,
    message: str,
) -> None:
    before = await _versions(loyalty_sessions)
    sent = {"points_per_yuan": 1, **body}
    refused = problem(await client.put("/program/earning-rules", json=sent, headers=MARKETING), 422)
    errors = refused["errors"]
    assert any(e["location"].startswith(field) and message in e["message"] for e in errors), errors
    assert await _versions(loyalty_sessions) == before


async def test_an_unknown_tier_is_refused(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    before = await _versions(loyalty_sessions)
    body = {"points_per_yuan": 1, "tier_multipliers_percent": {"gold": 200}}
    refused = problem(await client.put("/program/earning-rules", json=body, headers=MARKETING), 422)
    assert refused["type"].endswith("unknown-tier")
    assert await _versions(loyalty_sessions) == before


async def test_only_marketing_changes_the_rules(client: httpx.AsyncClient) -> None:
    body = {"points_per_yuan": 1}
    for headers in (staff_headers("analyst"), member_headers(uuid.uuid4())):
        problem(await client.put("/program/earning-rules", json=body, headers=headers), 403)
    problem(await client.get("/program/earning-rules", headers=member_headers(uuid.uuid4())), 403)
