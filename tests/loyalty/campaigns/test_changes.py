"""A campaign changed before it starts (anything, checked as a new one), once started
(only its name, end and budgets), never once ended; every refusal writes nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.loyalty.campaigns import changes
from services.loyalty.campaigns.errors import CampaignEnded, CampaignStarted, InvalidCampaign
from services.loyalty.campaigns.schemas import CampaignChange
from shared.db import Sessions, transaction
from tests.loyalty.campaigns.conftest import MARKETING, new_campaign, put_rules_from
from tests.loyalty.conftest import handle, key, ledger_of, problem, published
from tests.loyalty.rules.sales import at, line, new_year, sale_event
from tests.stack import staff_headers

YEAR = 8


async def _read(client: httpx.AsyncClient, campaign: dict[str, Any]) -> dict[str, Any]:
    response = await client.get(f"/campaigns/{campaign['id']}", headers=MARKETING)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _patch(
    client: httpx.AsyncClient, campaign: dict[str, Any], body: dict[str, Any]
) -> httpx.Response:
    return await client.patch(f"/campaigns/{campaign['id']}", json=body, headers=MARKETING)


async def _earned(sessions: Sessions, member: uuid.UUID) -> list[int]:
    return [entry.points for entry in await ledger_of(sessions, member)]


async def test_until_it_starts_anything_may_change_and_sales_earn_by_the_new_terms(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    start = new_year(YEAR)
    await put_rules_from(client, start)
    store = uuid.uuid4()
    made = await new_campaign(client, start, store, bonus_points=30)
    later = start + timedelta(days=20)
    body = {
        "name": "双十二 Double twelve",
        "starts_at": later.isoformat(),
        "ends_at": (later + timedelta(days=2)).isoformat(),
        "scope": {"stores": [str(store)], "categories": ["skincare"]},
        "multiplier_percent": 300,
        "bonus_points": None,
        "budget_points": 900,
    }
    response = await _patch(client, made, body)
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["name"] == "双十二 Double twelve"
    assert (changed["multiplier_percent"], changed["bonus_points"]) == (300, None)
    assert changed["scope"]["categories"] == ["skincare"]
    assert changed["updated_by"] == made["created_by"]
    assert changed["updated_at"] is not None
    assert await _read(client, made) == changed
    [event] = await published(loyalty_sessions, uuid.UUID(made["id"]), "loyalty.campaign.changed")
    assert event["changed"] == [
        "bonus_points",
        "budget_points",
        "ends_at",
        "multiplier_percent",
        "name",
        "scope",
        "starts_at",
    ]
    assert (event["budget_points"], event["ended_early"]) == (900, False)

    member = uuid.uuid4()
    # in the old window, not the new one: the rules alone (250 points of 25_050 fen)
    old = sale_event(member, at(start.date()), line(1, "S", "skincare", 25_050), store_id=store)
    await handle(loyalty_sessions, old)
    sale = sale_event(
        member,
        at(later.date()),
        line(1, "S", "skincare", 25_050),
        line(2, "H", "health", 10_000),
        store_id=store,
    )
    await handle(loyalty_sessions, sale)
    # rules: 350; campaign: 25_050 fen of skincare × (300 − 100)% = 501, no bonus any more
    assert await _earned(loyalty_sessions, member) == [250, 350 + 501]
    assert (await _read(client, made))["spent_points"] == 501

    # the same values again change nothing and publish nothing
    again = await _patch(client, made, {"multiplier_percent": 300, "name": changed["name"]})
    assert again.status_code == 200, again.text
    assert again.json() == await _read(client, made)
    events = await published(loyalty_sessions, uuid.UUID(made["id"]), "loyalty.campaign.changed")
    assert len(events) == 1


@pytest.mark.parametrize(
    ("body", "status", "kind", "field"),
    [
        ({"bonus_points": 0}, 422, "invalid-request", "bonus_points"),
        ({"name": None}, 422, "invalid-request", "name"),
        ({"ends_at": None}, 422, "invalid-request", "ends_at"),
        ({"starts_at": "2020-01-01T00:00:00+08:00"}, 422, "invalid-request", "starts_at"),
        ({"shop": 1}, 422, "invalid-request", "shop"),
        ({"bonus_points": None}, 422, "invalid-campaign", "multiplier_percent"),
        ({"reward_top_n": 3}, 422, "invalid-campaign", "reward_points"),
        ({"scope": {"tiers": ["gold"]}}, 422, "unknown-tier", "scope.tiers"),
        ({"giveaway_quantity": 5}, 422, "invalid-campaign", "giveaway_quantity"),
    ],
)
async def test_a_change_before_the_start_is_checked_as_a_new_campaign_and_refused_whole(
    client: httpx.AsyncClient,
    body: dict[str, Any],
    status: int,
    kind: str,
    field: str,
) -> None:
    start = new_year(YEAR) + timedelta(days=100)
    made = await new_campaign(client, start, uuid.uuid4(), bonus_points=10)
    # a valid name beside it: nothing of the change is kept
    answer = problem(await _patch(client, made, {"name": "x", **body}), status)
    assert answer["type"].endswith(kind), answer
    assert f"body.{field}" in [e["location"] for e in answer["errors"]], answer
    assert await _read(client, made) == made


async def test_an_end_not_after_the_start_is_refused(client: httpx.AsyncClient) -> None:
    start = new_year(YEAR) + timedelta(days=100)
    made = await new_campaign(client, start, uuid.uuid4(), bonus_points=10)
    earlier = (start - timedelta(days=1)).isoformat()
    answer = problem(await _patch(client, made, {"ends_at": earlier}), 422)
    assert answer["type"].endswith("invalid-campaign")
    assert [e["location"] for e in answer["errors"]] == ["body.ends_at"]
    assert await _read(client, made) == made


async def _change(
    sessions: Sessions, campaign: dict[str, Any], now: datetime, **fields: Any
) -> dict[str, Any]:
    async with transaction(sessions) as session:
        changed = await changes.change(
            session,
            uuid.UUID(campaign["id"]),
            CampaignChange.model_validate(fields),
            by="marketing-wang",
            now=now,
        )
    return changed.model_dump(mode="json")


async def test_once_started_only_the_name_end_and_budgets_change(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    start = new_year(YEAR) + timedelta(days=200)
    await put_rules_from(client, start)
    store = uuid.uuid4()
    made = await new_campaign(client, start, store, bonus_points=70, budget_points=100)
    member = uuid.uuid4()

    async def sale(day: int) -> None:
        when = at(start.date() + timedelta(days=day))
        event = sale_event(member, when, line(1, "A", "x", 1_000), store_id=store)
        await handle(loyalty_sessions, event)

    await sale(0)
    await sale(0)  # 30 left of 100
    started = start + timedelta(days=1)
    frozen: list[dict[str, Any]] = [
        {"multiplier_percent": 200},
        {"bonus_points": 71},
        {"scope": {"stores": []}},
        {"starts_at": (start + timedelta(days=2)).isoformat()},
        {"reward_top_n": 1, "reward_points": 5},
    ]
    for fields in frozen:
        with pytest.raises(CampaignStarted) as started_error:
            await _change(loyalty_sessions, made, started, name="nope", **fields)
        assert started_error.value.field in fields
    invalid: list[dict[str, Any]] = [
        {"budget_points": 99},  # it gave 100
        {"ends_at": started - timedelta(seconds=1)},
        {"giveaway_quantity": 3},  # no giveaway
    ]
    for fields in invalid:
        with pytest.raises(InvalidCampaign) as invalid_error:
            await _change(loyalty_sessions, made, started, name="nope", **fields)
        assert invalid_error.value.field in fields
    assert await _read(client, made) == {**made, "spent_points": 100}

    # a frozen field sent as it is changes nothing: the name and budget do
    changed = await _change(
        loyalty_sessions, made, started, name="加码", bonus_points=70, budget_points=170
    )
    assert (changed["name"], changed["budget_points"]) == ("加码", 170)
    await sale(1)  # the raised budget gives the bonus again
    await sale(1)
    # 10 points per 1_000 fen by the rules; bonus 70, then the 30 left, then 70 of the raise
    assert await _earned(loyalty_sessions, member) == [80, 40, 80, 10]
    # extended: a sale after the first end, inside the new one, earns by it
    end = start + timedelta(days=10)
    extended = await _change(
        loyalty_sessions, made, started, ends_at=end + timedelta(days=5), budget_points=None
    )
    assert extended["budget_points"] is None
    await sale(12)
    assert (await _earned(loyalty_sessions, member))[-1] == 80
    events = await published(loyalty_sessions, uuid.UUID(made["id"]), "loyalty.campaign.changed")
    assert [e["changed"] for e in events] == [
        ["budget_points", "name"],
        ["budget_points", "ends_at"],
    ]


async def test_an_ended_campaign_does_not_change(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    start = new_year(YEAR) + timedelta(days=300)
    made = await new_campaign(client, start, uuid.uuid4(), bonus_points=1)
    after = start + timedelta(days=10)  # its end, exclusive: it has ended
    with pytest.raises(CampaignEnded):
        await _change(loyalty_sessions, made, after, name="late", budget_points=5)
    with pytest.raises(CampaignEnded):
        async with transaction(loyalty_sessions) as session:
            await changes.end(session, uuid.UUID(made["id"]), by="m", now=after)
    assert await _read(client, made) == made
    missing = await _patch(client, {"id": str(uuid.uuid4())}, {"name": "x"})
    assert problem(missing, 404)["type"].endswith("campaign-not-found")


async def test_a_started_campaign_refuses_a_frozen_field_over_http_and_a_key_replays(
    client: httpx.AsyncClient,
) -> None:
    made = await new_campaign(
        client, datetime.now(UTC), uuid.uuid4(), bonus_points=1, budget_points=10
    )
    answer = problem(await _patch(client, made, {"bonus_points": 2}), 409)
    assert answer["type"].endswith("campaign-started")
    assert [e["location"] for e in answer["errors"]] == ["body.bonus_points"]
    path = f"/campaigns/{made['id']}"
    analyst = await client.patch(path, json={"name": "y"}, headers=staff_headers("analyst"))
    assert analyst.status_code == 403
    # with an Idempotency-Key a retry answers the first change, never applies it over a later
    headers = {**MARKETING, **key()}
    first = await client.patch(path, json={"budget_points": 20}, headers=headers)
    assert first.status_code == 200, first.text
    assert (await _patch(client, made, {"budget_points": 30})).json()["budget_points"] == 30
    retry = await client.patch(path, json={"budget_points": 20}, headers=headers)
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()
    assert (await _read(client, made))["budget_points"] == 30
    ended = await client.post(f"{path}/end", headers={**MARKETING, **key()})
    assert ended.status_code == 200, ended.text


async def _sale_now(sessions: Sessions, member: uuid.UUID, store: uuid.UUID) -> None:
    event = sale_event(member, datetime.now(UTC), line(1, "A", "x", 1_000), store_id=store)
    await handle(sessions, event)


async def test_a_budget_lowered_while_sales_draw_it_never_goes_below_what_they_took(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    for _ in range(3):
        store, member = uuid.uuid4(), uuid.uuid4()
        made = await new_campaign(
            client, datetime.now(UTC), store, bonus_points=70, budget_points=100
        )
        await _sale_now(loyalty_sessions, member, store)  # 70 of 100 given
        lowered, _ = await asyncio.gather(
            _patch(client, made, {"budget_points": 70}), _sale_now(loyalty_sessions, member, store)
        )
        spent = (await _read(client, made))["spent_points"]
        # the change first: the sale finds nothing left; the sale first: it took the 30 left,
        # and 70 is below what was given
        if lowered.status_code == 200:
            assert (spent, lowered.json()["budget_points"]) == (70, 70)
        else:
            assert problem(lowered, 422)["errors"][0]["location"] == "body.budget_points"
            assert spent == 100
        await client.post(f"/campaigns/{made['id']}/end", headers={**MARKETING, **key()})
