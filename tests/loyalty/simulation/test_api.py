"""``POST /program/simulate``: a sale rated by candidate rules or the version of its time,
and stored purchases of a period replayed, against hand-computed values; nothing written."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from services.loyalty.points.models import Purchase
from services.loyalty.rules.models import EarningRuleVersion
from shared.db import Sessions
from tests.loyalty.conftest import handle, problem
from tests.loyalty.rules.sales import at, line, sale_event
from tests.stack import member_headers, staff_headers

ANALYST = staff_headers("analyst")
SALE: dict[str, Any] = {
    "store_id": str(uuid.uuid4()),
    "purchased_at": "2026-12-08T14:30:00+08:00",
    "tier_code": "vip",
    "lines": [
        {"line_no": 1, "sku": "HP-FISHOIL-60", "category": "health-fishoil", "amount_fen": 25_800},
        {"line_no": 2, "sku": "SK-CREAM-50", "category": "skincare", "amount_fen": 12_345},
    ],
    "vouchers_fen": 2_000,
}
CANDIDATE = {
    "points_per_yuan": 1,
    "sku_multipliers_percent": {"HP-FISHOIL-60": 300},
    "member_days": [{"name": "member_day", "multiplier_percent": 200, "month_days": [8]}],
}


async def _simulate(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/program/simulate", json=body, headers=ANALYST)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _rows(sessions: Sessions) -> tuple[int, int]:
    async with sessions() as session:
        purchases = await session.scalar(select(func.count()).select_from(Purchase))
        versions = await session.scalar(select(func.count()).select_from(EarningRuleVersion))
    return int(purchases or 0), int(versions or 0)


async def test_a_sale_by_candidate_rules(client: httpx.AsyncClient) -> None:
    answer = (await _simulate(client, {"sale": SALE, "rules": CANDIDATE}))["sale"]
    # vouchers 2,000 over 25,800 / 12,345: 1,352.7 → 1,352 (+1 left over, largest line),
    # 647.3 → 647; nets 24,447 and 11,698. Fish oil ×3 by its SKU, cream ×2 on the 8th:
    # 24,447 × 3 + 11,698 × 2 = 96,737 / 100 = 967.37 → 967; base 36,145 / 100 → 361,
    # the day +116.98 (running 478.43 → 478: +117), the SKU +488.94 (→ 967: +489)
    assert answer["version"] is None
    assert (answer["points"], answer["eligible_fen"]) == (967, 36_145)
    assert answer["breakdown"] == [
        {"rule": "base", "points": 361},
        {"rule": "day:member_day", "points": 117},
        {"rule": "sku:HP-FISHOIL-60", "points": 489},
    ]
    assert [(x["net_fen"], x["multiplier_percent"], x["rule"]) for x in answer["lines"]] == [
        (24_447, 300, "sku:HP-FISHOIL-60"),
        (11_698, 200, "day:member_day"),
    ]


async def test_a_sale_by_the_version_of_its_time(client: httpx.AsyncClient) -> None:
    answer = (await _simulate(client, {"sale": SALE}))["sale"]
    # the seeds rule: 1 point per yuan, vip ×1.2: 36,145 × 1.2 / 100 = 433.74 → 433
    assert answer["version"] is not None
    assert answer["points"] == 433
    assert answer["breakdown"] == [
        {"rule": "base", "points": 361},
        {"rule": "tier:vip", "points": 72},
    ]


async def test_a_period_is_replayed_and_compared_with_the_rules_in_force(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    day = date(2024, 2, 29)  # a day no other test sells on
    a, b = uuid.uuid4(), uuid.uuid4()
    for member, sold in (
        (a, line(1, "X", "health", 10_000)),
        (a, line(1, "Y", "skincare", 5_000)),
        (b, line(1, "Z", "tobacco", 20_000)),
    ):
        await handle(loyalty_sessions, sale_event(member, at(day), sold))
    before = await _rows(loyalty_sessions)
    candidate = {
        "points_per_yuan": 2,
        "category_multipliers_percent": {"health": 200},
        "excluded_categories": ["tobacco"],
        "cap_per_member_day": 300,
    }
    period = {"first_day": "2024-02-29", "last_day": "2024-02-29"}
    answer = (await _simulate(client, {"period": period, "rules": candidate}))["replay"]
    # in force (the seeds: 1 per yuan, standard ×1): a 100 + 50, b 200 = 350.
    # candidate: a 10,000 × 2 × 2 / 100 = 400 capped to 300, then 100 over the day's cap:
    # 0; b's tobacco is excluded: 0.
    assert {k: answer[k] for k in ("purchases", "members", "members_affected")} == {
        "purchases": 3,
        "members": 2,
        "members_affected": 2,
    }
    assert (answer["points"], answer["points_in_force"], answer["change"]) == (300, 350, -50)
    assert answer["points_earned"] == 350  # rated live by the rule of their time, the seeds'
    assert answer["by_rule"] == [
        {"rule": "base", "points": 300},
        {"rule": "cap:member_day", "points": -200},
        {"rule": "category:health", "points": 200},
    ]
    same = (await _simulate(client, {"period": period}))["replay"]
    assert (same["points"], same["change"], same["members_affected"]) == (350, 0, 0)
    assert await _rows(loyalty_sessions) == before  # nothing written


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "body", "give one of sale or period: neither was given"),
        (
            {"sale": SALE, "period": {"first_day": "2025-01-01", "last_day": "2025-01-01"}},
            "body",
            "only one of sale or period: both were given",
        ),
        (
            {"period": {"first_day": "2025-01-02", "last_day": "2025-01-01"}},
            "body.period",
            "before",
        ),
        ({"period": {"first_day": "2024-01-01", "last_day": "2025-01-01"}}, "body.period", "366"),
        (
            {"period": {"first_day": "1999-12-31", "last_day": "2000-01-01"}},
            "body.period.first_day",
            "earliest",
        ),
        ({"sale": {**SALE, "lines": []}}, "body.sale.lines", "at least 1"),
        (
            {"sale": {**SALE, "purchased_at": "2026-12-08T14:30:00"}},
            "body.sale.purchased_at",
            "UTC offset",
        ),
        (
            {"sale": {**SALE, "vouchers_fen": -1}},
            "body.sale.vouchers_fen",
            "greater than or equal to 0",
        ),
        (
            {"sale": {**SALE, "lines": [SALE["lines"][0], SALE["lines"][0]]}},
            "body.sale",
            "line numbers must be unique",
        ),
        (
            {"sale": {**SALE, "lines": [{**SALE["lines"][0], "amount_fen": 10**10}] * 2}},
            "body.sale.lines",
            "adds up to",
        ),
        ({"sale": SALE, "rules": {"points_per_yuan": -1}}, "body.rules.points_per_yuan", "greater"),
    ],
)
async def test_bad_questions_are_refused_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, Any], field: str, message: str
) -> None:
    refused = problem(await client.post("/program/simulate", json=body, headers=ANALYST), 422)
    errors = refused["errors"]
    assert any(e["location"].startswith(field) and message in e["message"] for e in errors), errors


async def test_an_unknown_tier_and_callers_who_may_not(client: httpx.AsyncClient) -> None:
    body = {"sale": {**SALE, "tier_code": "gold"}}
    refused = problem(await client.post("/program/simulate", json=body, headers=ANALYST), 422)
    assert refused["type"].endswith("unknown-tier")
    for headers in (staff_headers("service"), member_headers(uuid.uuid4())):
        problem(await client.post("/program/simulate", json={"sale": SALE}, headers=headers), 403)
