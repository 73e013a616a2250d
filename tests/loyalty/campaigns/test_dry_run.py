"""A dry run replays a past period's stored purchases that still stand (not voided or
returned in full) through a campaign's terms and writes nothing."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import httpx
from sqlalchemy import func, select

from services.loyalty.campaigns.models import CampaignRow
from shared.db import Sessions
from tests.loyalty.campaigns.conftest import MARKETING
from tests.loyalty.campaigns.test_api import void_event
from tests.loyalty.conftest import handle, problem
from tests.loyalty.rules.sales import SHANGHAI, at, line, sale_event
from tests.stack import staff_headers


async def _campaigns(sessions: Sessions) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(CampaignRow)) or 0)


async def test_a_dry_run_reports_cost_reach_and_whom_it_would_have_rewarded(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    day = datetime.now(SHANGHAI).date() - timedelta(days=3)
    store = uuid.uuid4()
    a, b, c, d, e = (uuid.uuid4() for _ in range(5))
    # e's sale, the largest and first, was voided: a dry run does not count it
    voided = sale_event(e, at(day), line(1, "A", "x", 30_000), store_id=store)
    await handle(loyalty_sessions, voided)
    await handle(loyalty_sessions, void_event(e, uuid.UUID(voided.data["purchase_id"]), 30_000))
    for member, amount in ((b, 15_000), (c, 20_000), (d, 11_000), (a, 6_000), (a, 6_000)):
        sale = sale_event(member, at(day), line(1, "A", "x", amount), store_id=store)
        await handle(loyalty_sessions, sale)
    before = await _campaigns(loyalty_sessions)
    body = {
        "campaign": {
            "scope": {"stores": [str(store)]},
            "bonus_points": 5,
            "bonus_threshold_fen": 10_000,
            "budget_points": 12,
            "reward_top_n": 2,
            "reward_points": 100,
        },
        "period": {"first_day": day.isoformat(), "last_day": day.isoformat()},
    }
    response = await client.post("/campaigns/dry-run", json=body, headers=staff_headers("analyst"))
    assert response.status_code == 200, response.text
    answer = response.json()
    # bonuses in the order rated: b 5, c 5, d the 2 left of 12; a's sales are under 10_000
    assert answer["points"] == 12
    assert answer["members_reached"] == 4
    assert answer["top"] == [
        {"rank": 1, "member_id": str(c), "qualifying_spend_fen": 20_000},
        {"rank": 2, "member_id": str(b), "qualifying_spend_fen": 15_000},
    ]
    assert answer["reward_points"] == 200
    assert answer["purchases"] >= 5
    assert await _campaigns(loyalty_sessions) == before


async def test_a_dry_run_refuses_terms_that_could_not_be_a_campaign(
    client: httpx.AsyncClient,
) -> None:
    day = (datetime.now(SHANGHAI).date() - timedelta(days=3)).isoformat()
    period = {"first_day": day, "last_day": day}
    no_effect = {"campaign": {"budget_points": 5}, "period": period}
    answer = problem(
        await client.post("/campaigns/dry-run", json=no_effect, headers=MARKETING), 422
    )
    assert answer["type"].endswith("invalid-campaign")
    assert [e["location"] for e in answer["errors"]] == ["body.campaign.multiplier_percent"]
    half = {"campaign": {"bonus_points": 1, "reward_top_n": 3}, "period": period}
    answer = problem(await client.post("/campaigns/dry-run", json=half, headers=MARKETING), 422)
    assert [e["location"] for e in answer["errors"]] == ["body.campaign.reward_points"]
    ahead = {
        "campaign": {"bonus_points": 1},
        "period": {"first_day": "2099-01-01", "last_day": "2099-01-02"},
    }
    problem(await client.post("/campaigns/dry-run", json=ahead, headers=MARKETING), 422)
    service = staff_headers("service")
    forbidden = await client.post("/campaigns/dry-run", json=half, headers=service)
    assert forbidden.status_code == 403
