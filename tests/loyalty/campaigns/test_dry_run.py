"""A dry run replays a past period's stored purchases through a campaign's terms, as live:
each sale draws the budget and a giveaway's coupon when it was made, its returns since
lower its qualifying spend; it writes nothing."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import httpx
from sqlalchemy import func, select

from services.loyalty.campaigns.models import CampaignRow
from shared.db import Sessions
from tests.loyalty.campaigns.conftest import MARKETING
from tests.loyalty.campaigns.test_api import void_event
from tests.loyalty.conftest import handle, key, problem, return_event
from tests.loyalty.coupons.test_api import body as definition_body
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
    # e's sale, the largest and first, was voided: it drew its bonus then, but reaches and
    # ranks no one
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
    # bonuses in the order rated: e 5, b 5, c the 2 left of 12, d none; a's are under 10_000
    assert answer["points"] == 12
    assert answer["members_reached"] == 4
    assert answer["top"] == [
        {"rank": 1, "member_id": str(c), "qualifying_spend_fen": 20_000},
        {"rank": 2, "member_id": str(b), "qualifying_spend_fen": 15_000},
    ]
    assert answer["reward_points"] == 200
    assert (answer["coupons"], answer["coupons_taken_back"]) == (0, 0)  # no giveaway
    assert answer["purchases"] >= 6
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


async def test_a_dry_run_counts_coupons_as_the_definition_stands_and_spend_net_of_returns(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    day = datetime.now(SHANGHAI).date() - timedelta(days=4)
    store = uuid.uuid4()
    made = await client.post(
        "/coupons/definitions", json=definition_body(quantity=3), headers=MARKETING | key()
    )
    assert made.status_code == 201, made.text
    definition = made.json()["id"]
    holder, returner, second, late, voider = sorted(uuid.uuid4() for _ in range(5))
    purchases: dict[uuid.UUID, uuid.UUID] = {}
    for member, amount in (
        (holder, 25_000),
        (returner, 30_000),
        (second, 20_000),
        (late, 40_000),
        (voider, 10_000),
    ):
        sale = sale_event(member, at(day), line(1, "A", "x", amount), store_id=store)
        await handle(loyalty_sessions, sale)
        purchases[member] = uuid.UUID(sale.data["purchase_id"])
    # holder holds the definition's one per member already: 2 of its 3 are left
    grant = {"definition_id": definition, "grant_key": "welcome"}
    granted = await client.post(f"/members/{holder}/coupons", json=grant, headers=MARKETING | key())
    assert granted.status_code == 201, granted.text
    await handle(loyalty_sessions, return_event(returner, purchases[returner], 12_000, 30_000))
    await handle(loyalty_sessions, void_event(voider, purchases[voider], 10_000))
    terms = {
        "scope": {"stores": [str(store)]},
        "bonus_points": 10,
        "giveaway_definition_id": definition,
        "giveaway_threshold_fen": 20_000,
        "reward_top_n": 3,
        "reward_points": 100,
    }
    period = {"first_day": day.isoformat(), "last_day": day.isoformat()}
    response = await client.post(
        "/campaigns/dry-run", json={"campaign": terms, "period": period}, headers=MARKETING
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    # every sale drew its bonus when made, the voided one too: 5 × 10
    assert answer["points"] == 50
    # holder: at the limit; returner and second: the 2 left; late: none left. returner's
    # 30_000 less the 12_000 returned's share (12_000) is 18_000, below 20_000: taken back
    assert (answer["coupons"], answer["coupons_taken_back"]) == (2, 1)
    assert answer["members_reached"] == 4  # voider has nothing left
    assert answer["top"] == [
        {"rank": 1, "member_id": str(late), "qualifying_spend_fen": 40_000},
        {"rank": 2, "member_id": str(holder), "qualifying_spend_fen": 25_000},
        {"rank": 3, "member_id": str(second), "qualifying_spend_fen": 20_000},
    ]
    # the campaign's own quantity bounds them too
    bounded = {"campaign": {**terms, "giveaway_quantity": 1}, "period": period}
    response = await client.post("/campaigns/dry-run", json=bounded, headers=MARKETING)
    assert (response.json()["coupons"], response.json()["coupons_taken_back"]) == (1, 1)
    read = await client.get(f"/coupons/definitions/{definition}", headers=MARKETING)
    assert read.json()["issued"] == 1  # nothing written
