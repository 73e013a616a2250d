"""Campaigns made and read, what they add to purchases on the ledger, and every bad
input refused with nothing written."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from services.loyalty.campaigns.invariants import budget_violations
from services.loyalty.campaigns.models import CampaignRow
from services.loyalty.points.invariants import check_ledger_invariants
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.events.orders import PurchaseVoided
from tests.loyalty.campaigns.conftest import MARKETING, new_campaign, put_rules_from
from tests.loyalty.conftest import handle, key, problem, return_event
from tests.loyalty.rules.sales import at, line, new_year, sale_event
from tests.stack import every_item, member_headers, staff_headers

YEAR = 6


async def _ledger(client: httpx.AsyncClient, member_id: uuid.UUID) -> list[dict[str, Any]]:
    response = await client.get(f"/members/{member_id}/ledger", headers=MARKETING)
    assert response.status_code == 200, response.text
    return list(reversed(response.json()["items"]))


async def _count(sessions: Sessions) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(CampaignRow)) or 0)


async def test_the_list_pages_through_every_campaign_latest_starting_first_ties_by_id(
    client: httpx.AsyncClient,
) -> None:
    start = new_year(YEAR) + timedelta(days=40)
    store = uuid.uuid4()
    tied = [await new_campaign(client, start, store, bonus_points=1) for _ in range(2)]
    later = await new_campaign(client, start + timedelta(days=1), store, bonus_points=1)

    listed = await every_item(client, "/campaigns", MARKETING, limit=2)
    ids = [c["id"] for c in listed]
    assert len(ids) == len(set(ids))
    keys = [(c["starts_at"], uuid.UUID(c["id"])) for c in listed]
    assert keys == sorted(keys, reverse=True)
    mine = [c["id"] for c in listed if c["id"] in {later["id"], *(t["id"] for t in tied)}]
    assert mine == [later["id"], *sorted((t["id"] for t in tied), reverse=True)]
    assert ids == [c["id"] for c in await every_item(client, "/campaigns", MARKETING)]

    forged = await client.get("/campaigns", params={"cursor": "bm90LW91cnM="}, headers=MARKETING)
    assert [e["location"] for e in problem(forged, 422)["errors"]] == ["query.cursor"]


async def test_a_campaign_adds_its_points_on_top_and_names_itself_on_the_breakdown(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    start = new_year(YEAR)
    await put_rules_from(client, start)
    store = uuid.uuid4()
    made = await new_campaign(
        client,
        start,
        store,
        scope={"stores": [str(store)], "categories": ["skincare"]},
        multiplier_percent=300,
        bonus_points=30,
        bonus_threshold_fen=20_000,
    )
    assert made["spent_points"] == 0
    assert made["starts_at"] == start.astimezone(UTC).isoformat().replace("+00:00", "Z")
    read = await client.get(f"/campaigns/{made['id']}", headers=staff_headers("analyst"))
    assert read.status_code == 200
    assert read.json() == made
    assert made["id"] in [c["id"] for c in await every_item(client, "/campaigns", MARKETING)]

    member = uuid.uuid4()
    day = start.date() + timedelta(days=2)
    sale = sale_event(
        member,
        at(day),
        line(1, "HP-FISHOIL-60", "health", 10_000),
        line(2, "SK-CREAM-50", "skincare", 25_050),
        store_id=store,
    )
    await handle(loyalty_sessions, sale)
    # elsewhere, and after the end (exclusive): the rules alone
    await handle(loyalty_sessions, sale_event(member, at(day), line(1, "S", "skincare", 25_050)))
    after = start + timedelta(days=10)
    late = sale_event(member, after, line(1, "S", "skincare", 25_050), store_id=store)
    await handle(loyalty_sessions, late)
    entries = await _ledger(client, member)
    # rules: 35_050 fen at 1 point/yuan = 350; campaign: 25_050 × (300 − 100)% = 501, and
    # the bonus (25_050 ≥ 20_000 fen of skincare) 30
    assert [e["points"] for e in entries] == [350 + 501 + 30, 250, 250]
    rule = f"campaign:{made['id']}"
    assert entries[0]["breakdown"] == [
        {"rule": "base", "points": 350},
        {"rule": rule, "points": 531, "campaign_id": made["id"]},
    ]
    again = await client.get(f"/campaigns/{made['id']}", headers=MARKETING)
    assert again.json()["spent_points"] == 531
    async with loyalty_sessions() as session:
        assert (await check_ledger_invariants(session, members=[member])).ok
        violations = await budget_violations(session, {uuid.UUID(made["id"]): 531})
        assert [v for v in violations if v.subject == uuid.UUID(made["id"])] == []


async def test_a_sale_gets_what_is_left_of_the_budget_then_sales_get_nothing(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    start = new_year(YEAR) + timedelta(days=40)
    await put_rules_from(client, start)  # the 10 points a sale of 1,000 fen earns below
    store = uuid.uuid4()
    made = await new_campaign(client, start, store, bonus_points=70, budget_points=100)
    member = uuid.uuid4()
    for hour in (10, 11, 12):
        sale = sale_event(member, at(start.date(), hour), line(1, "A", "x", 1_000), store_id=store)
        await handle(loyalty_sessions, sale)
    entries = await _ledger(client, member)
    assert [e["points"] for e in entries] == [10 + 70, 10 + 30, 10]
    assert (await client.get(f"/campaigns/{made['id']}", headers=MARKETING)).json()[
        "spent_points"
    ] == 100
    campaign_id = uuid.UUID(made["id"])
    async with loyalty_sessions() as session:
        told_right = await budget_violations(session, {campaign_id: 100})
        assert [v for v in told_right if v.subject == campaign_id] == []
        told_less = await budget_violations(session, {campaign_id: 99})
        assert [v.subject for v in told_less if v.subject == campaign_id] == [campaign_id]


async def test_the_budget_check_refuses_a_row_past_its_budget(loyalty_sessions: Sessions) -> None:
    row = CampaignRow(
        name="x",
        starts_at=datetime(2030, 1, 1, tzinfo=UTC),
        ends_at=datetime(2030, 1, 2, tzinfo=UTC),
        scope={"categories": [], "stores": [], "tiers": []},
        bonus_points=1,
        bonus_threshold_fen=0,
        budget_points=10,
        created_by="test",
    )
    async with transaction(loyalty_sessions) as session:
        session.add(row)
    with pytest.raises(Exception, match="ck_campaigns_budget"):
        async with transaction(loyalty_sessions) as session:
            await session.execute(
                update(CampaignRow)
                .where(CampaignRow.campaign_id == row.campaign_id)  # type: ignore[arg-type]
                .values(spent_points=11)
            )


def void_event(member_id: uuid.UUID, purchase_id: uuid.UUID, total_fen: int) -> CloudEvent:
    now = datetime.now(UTC)
    payload = PurchaseVoided(
        purchase_id=purchase_id,
        member_id=member_id,
        store_id=uuid.uuid4(),
        total_fen=total_fen,
        purchased_at=now,
        voided_at=now,
        refunds=(),
    )
    return CloudEvent.of(payload, source="/huiyuan/orders")


def _body(start: datetime, **changes: Any) -> dict[str, Any]:
    return {
        "name": "满200减30",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(days=3)).isoformat(),
        "bonus_points": 10,
        **changes,
    }


_NO_DEFINITION = "3f6c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c"
_BEFORE_END = (new_year(YEAR) + timedelta(days=102)).date().isoformat()
"""The day before the one a campaign of :func:`_body` ends (at midnight starting day 103)."""
_TOO_LATE = (new_year(YEAR + 5) + timedelta(days=120)).date().isoformat()


def _award(tier: str, until: str | None = None) -> dict[str, str]:
    later = until or (new_year(YEAR) + timedelta(days=200)).date().isoformat()
    return {"reward_tier_code": tier, "reward_tier_until": later}


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"starts_at": "2020-01-01T00:00:00+08:00"}, 422, "starts_at"),
        ({"starts_at": "2027-01-01T00:00:00"}, 422, "starts_at"),  # no offset
        ({"ends_at": "LATER"}, 422, "ends_at"),
        ({"bonus_points": 0}, 422, "bonus_points"),
        ({"bonus_points": "10"}, 422, "bonus_points"),
        ({"multiplier_percent": 100}, 422, "multiplier_percent"),
        ({"multiplier_percent": 1_001}, 422, "multiplier_percent"),
        ({"budget_points": 0}, 422, "budget_points"),
        ({"bonus_threshold_fen": -1}, 422, "bonus_threshold_fen"),
        ({"name": ""}, 422, "name"),
        ({"name": "a\nb"}, 422, "name"),
        ({"scope": {"stores": ["nope"]}}, 422, "scope.stores.0"),
        ({"scope": {"tiers": ["gold"]}}, 422, "scope.tiers"),
        ({"scope": {"shops": []}}, 422, "scope.shops"),
        ({"bonus_points": None}, 422, "multiplier_percent"),
        ({"extra": 1}, 422, "extra"),
        ({"reward_top_n": 3, **_award("gold")}, 422, "reward_tier_code"),
        ({"reward_top_n": 3, **_award("standard")}, 422, "reward_tier_code"),  # the base
        ({"reward_top_n": 3, "reward_tier_code": "vip"}, 422, "reward_tier_until"),
        (_award("vip"), 422, "reward_top_n"),
        ({"reward_top_n": 3, **_award("vip", "2020-01-01")}, 422, "reward_tier_until"),
        ({"reward_top_n": 3, **_award("vip", _BEFORE_END)}, 422, "reward_tier_until"),
        ({"reward_top_n": 3, **_award("vip", _TOO_LATE)}, 422, "reward_tier_until"),
        ({"reward_top_n": 3, **_award("vip", "soon")}, 422, "reward_tier_until"),
        ({"giveaway_definition_id": _NO_DEFINITION}, 422, "giveaway_threshold_fen"),
        ({"giveaway_threshold_fen": 100}, 422, "giveaway_definition_id"),
        ({"giveaway_quantity": 5}, 422, "giveaway_quantity"),
        (
            {"giveaway_definition_id": _NO_DEFINITION, "giveaway_threshold_fen": 1},
            422,
            "giveaway_definition_id",
        ),
        ({"giveaway_quantity": 0}, 422, "giveaway_quantity"),
        ({"giveaway_threshold_fen": -1}, 422, "giveaway_threshold_fen"),
        ({"giveaway_definition_id": "D1"}, 422, "giveaway_definition_id"),
    ],
)
async def test_bad_input_is_refused_naming_the_field_and_writes_nothing(
    client: httpx.AsyncClient,
    loyalty_sessions: Sessions,
    changes: dict[str, Any],
    status: int,
    field: str,
) -> None:
    before = await _count(loyalty_sessions)
    body = _body(new_year(YEAR) + timedelta(days=100), **changes)
    answer = problem(
        await client.post("/campaigns", json=body, headers={**MARKETING, **key()}), status
    )
    assert f"body.{field}" in [e["location"] for e in answer["errors"]], answer
    assert await _count(loyalty_sessions) == before


async def test_an_end_not_after_the_start_is_an_invalid_campaign(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    start = new_year(YEAR) + timedelta(days=100)
    body = _body(start, ends_at=start.isoformat())
    answer = problem(
        await client.post("/campaigns", json=body, headers={**MARKETING, **key()}), 422
    )
    assert answer["type"].endswith("invalid-campaign")
    assert [e["location"] for e in answer["errors"]] == ["body.ends_at"]


async def test_only_staff_make_and_read_campaigns(client: httpx.AsyncClient) -> None:
    body = _body(new_year(YEAR) + timedelta(days=100))
    member = member_headers(uuid.uuid4())
    assert (await client.post("/campaigns", json=body, headers=member)).status_code == 403
    service = staff_headers("service")
    assert (await client.post("/campaigns", json=body, headers=service)).status_code == 403
    assert (await client.get("/campaigns", headers=member)).status_code == 403
    missing = await client.get(f"/campaigns/{uuid.uuid4()}", headers=MARKETING)
    assert problem(missing, 404)["type"].endswith("campaign-not-found")


async def test_the_leaderboard_ranks_qualifying_spend_net_of_returns(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    start = new_year(YEAR) + timedelta(days=60)
    store = uuid.uuid4()
    made = await new_campaign(
        client,
        start,
        store,
        scope={"stores": [str(store)], "categories": ["skincare"]},
        bonus_points=1,
    )
    first, second, third, gone = sorted(uuid.uuid4() for _ in range(4))
    day = at(start.date())
    sales = {
        first: [10_000, 30_000],
        second: [40_000],
        third: [40_000],  # as much as second: the lower member id ranks first
        gone: [5_000],
    }
    purchases: dict[uuid.UUID, list[uuid.UUID]] = {}
    for member, amounts in sales.items():
        for amount in amounts:
            # a health line besides: it is in the sale but not in the campaign's scope
            event = sale_event(
                member,
                day,
                line(1, "S", "skincare", amount),
                line(2, "H", "health", 10_000),
                store_id=store,
            )
            await handle(loyalty_sessions, event)
            purchases.setdefault(member, []).append(uuid.UUID(event.data["purchase_id"]))
    # first returns 20_000 of the 40_000 fen sale (30_000 skincare): 15_000 of it
    await handle(loyalty_sessions, return_event(first, purchases[first][1], 20_000, 40_000))
    await handle(loyalty_sessions, void_event(gone, purchases[gone][0], 15_000))
    board = await client.get(
        f"/campaigns/{made['id']}/leaderboard", params={"limit": 3}, headers=MARKETING
    )
    assert board.status_code == 200, board.text
    assert board.json()["items"] == [
        {"rank": 1, "member_id": str(second), "qualifying_spend_fen": 40_000},
        {"rank": 2, "member_id": str(third), "qualifying_spend_fen": 40_000},
        {"rank": 3, "member_id": str(first), "qualifying_spend_fen": 10_000 + 15_000},
    ]
    whole = await client.get(f"/campaigns/{made['id']}/leaderboard", headers=MARKETING)
    assert str(gone) not in [s["member_id"] for s in whole.json()["items"]]
    missing = await client.get(f"/campaigns/{uuid.uuid4()}/leaderboard", headers=MARKETING)
    assert problem(missing, 404)["type"].endswith("campaign-not-found")
    too_many = await client.get(
        f"/campaigns/{made['id']}/leaderboard", params={"limit": 0}, headers=MARKETING
    )
    problem(too_many, 422)


async def test_a_retried_make_answers_the_first_campaign_and_makes_no_second_budget(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    before = await _count(loyalty_sessions)
    body = _body(new_year(YEAR) + timedelta(days=120), budget_points=5_000)
    headers = {**MARKETING, **key()}
    first = await client.post("/campaigns", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert first.headers["location"] == f"/campaigns/{first.json()['id']}"
    again = await client.post("/campaigns", json=body, headers=headers)
    assert again.status_code == 201, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert await _count(loyalty_sessions) == before + 1
    # the key names this body: another one under it is refused, nothing made
    other = await client.post("/campaigns", json={**body, "bonus_points": 11}, headers=headers)
    problem(other, 422)
    unkeyed = await client.post("/campaigns", json=body, headers=MARKETING)
    assert "header.Idempotency-Key" in [e["location"] for e in problem(unkeyed, 422)["errors"]]
    assert await _count(loyalty_sessions) == before + 1
