"""A campaign ended early: sales after it are outside, its close-out runs once through the
due-work job at the new end, and a crash anywhere between loses and doubles nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from services.loyalty.campaigns import changes
from services.loyalty.campaigns.closeout import close, close_due
from services.loyalty.campaigns.models import CampaignRow
from services.loyalty.program.service import locked_for_change
from shared.db import Sessions, transaction
from tests.loyalty.campaigns.conftest import MARKETING, new_campaign, put_rules_from
from tests.loyalty.conftest import handle, key, ledger_of, problem, published, until_waiting
from tests.loyalty.rules.sales import at, line, new_year, sale_event

YEAR = 9


async def _rewards(sessions: Sessions, member: uuid.UUID) -> list[int]:
    entries = await ledger_of(sessions, member)
    return [e.points for e in entries if e.source_type == "campaign_reward"]


async def _row(sessions: Sessions, campaign_id: uuid.UUID) -> CampaignRow:
    async with sessions() as session:
        row = await session.get(CampaignRow, campaign_id)
        assert row is not None
        return row


async def test_an_early_end_is_closed_out_once_at_the_new_end_and_a_crash_loses_nothing(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    start = new_year(YEAR)
    await put_rules_from(client, start)
    store = uuid.uuid4()
    made = await new_campaign(
        client, start, store, bonus_points=5, reward_top_n=1, reward_points=500
    )
    campaign_id = uuid.UUID(made["id"])
    first, second = uuid.uuid4(), uuid.uuid4()
    for member, amount in ((first, 30_000), (second, 20_000)):
        sale = sale_event(member, at(start.date()), line(1, "A", "x", amount), store_id=store)
        await handle(loyalty_sessions, sale)
    now = start + timedelta(days=2)  # of its ten days

    # a crash before the end commits: nothing changed, nothing published
    async with loyalty_sessions() as session:
        await changes.end(session, campaign_id, by="marketing-li", now=now)
        await session.rollback()
    assert (await _row(loyalty_sessions, campaign_id)).ends_at == start + timedelta(days=10)
    assert await published(loyalty_sessions, campaign_id, "loyalty.campaign.changed") == []

    async with transaction(loyalty_sessions) as session:
        ended = await changes.end(session, campaign_id, by="marketing-li", now=now)
    assert (ended.ends_at, ended.starts_at, ended.updated_by) == (now, start, "marketing-li")
    [event] = await published(loyalty_sessions, campaign_id, "loyalty.campaign.changed")
    assert (event["changed"], event["ended_early"]) == (["ends_at"], True)

    # a sale after the new end (inside the old window) earns by the rules alone: 400
    late = uuid.uuid4()
    sale = sale_event(
        late, at(start.date() + timedelta(days=3)), line(1, "A", "x", 40_000), store_id=store
    )
    await handle(loyalty_sessions, sale)
    assert [e.points for e in await ledger_of(loyalty_sessions, late)] == [400]

    # the close-out crashes after the end committed: rolled back, the campaign still due
    async with loyalty_sessions() as session:
        row = await session.get(CampaignRow, campaign_id, with_for_update=True)
        assert row is not None
        await close(session, row, now)
        await session.rollback()
    assert await _rewards(loyalty_sessions, first) == []
    assert (await _row(loyalty_sessions, campaign_id)).closed_at is None

    # the job, restarted, finds it due at its new end, not before, and closes it once
    before = now - timedelta(seconds=1)
    await close_due(loyalty_sessions, before)
    assert (await _row(loyalty_sessions, campaign_id)).closed_at is None
    assert await close_due(loyalty_sessions, now) >= 1
    await close_due(loyalty_sessions, now + timedelta(days=1))
    assert await _rewards(loyalty_sessions, first) == [500]
    assert await _rewards(loyalty_sessions, second) == []
    assert await _rewards(loyalty_sessions, late) == []
    [closed] = await published(loyalty_sessions, campaign_id, "loyalty.campaign.closed")
    assert (closed["rewarded_members"], closed["spent_points"]) == ([str(first)], 10)


async def test_a_campaign_ended_before_it_started_never_runs(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    start = new_year(YEAR) + timedelta(days=100)
    store = uuid.uuid4()
    made = await new_campaign(client, start, store, bonus_points=5, reward_top_n=1, reward_points=1)
    campaign_id = uuid.UUID(made["id"])
    now = start - timedelta(days=5)
    async with transaction(loyalty_sessions) as session:
        ended = await changes.end(session, campaign_id, by="marketing-li", now=now)
    assert (ended.starts_at, ended.ends_at) == (now, now)
    [event] = await published(loyalty_sessions, campaign_id, "loyalty.campaign.changed")
    assert event["changed"] == ["starts_at", "ends_at"]
    member = uuid.uuid4()
    for day in (now, start):  # the empty window and the one planned
        event_ = sale_event(member, day, line(1, "A", "x", 10_000), store_id=store)
        await handle(loyalty_sessions, event_)
    read = (await client.get(f"/campaigns/{made['id']}", headers=MARKETING)).json()
    assert read["spent_points"] == 0
    assert await close_due(loyalty_sessions, now) >= 1
    [closed] = await published(loyalty_sessions, campaign_id, "loyalty.campaign.closed")
    assert closed["rewarded_members"] == []


async def test_ending_over_http_answers_a_retry_as_the_first_and_refuses_a_second_end(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    made = await new_campaign(client, datetime.now(UTC), uuid.uuid4(), bonus_points=1)
    path = f"/campaigns/{made['id']}/end"
    headers = {**MARKETING, **key()}
    before = datetime.now(UTC)
    first = await client.post(path, headers=headers)
    assert first.status_code == 200, first.text
    ended = first.json()
    assert before <= datetime.fromisoformat(ended["ends_at"]) <= datetime.now(UTC)
    assert ended["updated_by"] == made["created_by"]
    retry = await client.post(path, headers=headers)
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == ended
    again = problem(await client.post(path, headers={**MARKETING, **key()}), 409)
    assert again["type"].endswith("campaign-ended")
    patched = problem(
        await client.patch(f"/campaigns/{made['id']}", json={"name": "x"}, headers=MARKETING), 409
    )
    assert patched["type"].endswith("campaign-ended")
    unkeyed = await client.post(path, headers=MARKETING)
    assert "header.Idempotency-Key" in [e["location"] for e in problem(unkeyed, 422)["errors"]]
    missing = await client.post(f"/campaigns/{uuid.uuid4()}/end", headers={**MARKETING, **key()})
    assert problem(missing, 404)["type"].endswith("campaign-not-found")
    changed = await published(loyalty_sessions, uuid.UUID(made["id"]), "loyalty.campaign.changed")
    assert len(changed) == 1


async def test_of_ends_racing_one_wins_and_the_others_find_it_ended(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    made = await new_campaign(client, datetime.now(UTC), uuid.uuid4(), bonus_points=1)
    path = f"/campaigns/{made['id']}/end"
    # The program's lock held until all six wait for it: an end that read the clock before
    # waiting found the winner's later end still to come and ended it again (CI saw two 200s).
    async with transaction(loyalty_sessions) as gate:
        await locked_for_change(gate)
        racing = asyncio.gather(
            *(client.post(path, headers={**MARKETING, **key()}) for _ in range(6))
        )
        await until_waiting(racing, loyalty_sessions, waiting=6)
    answers = await racing
    assert sorted(a.status_code for a in answers) == [200] + [409] * 5
    changed = await published(loyalty_sessions, uuid.UUID(made["id"]), "loyalty.campaign.changed")
    assert len(changed) == 1


async def test_an_end_that_waited_for_the_lock_ends_when_it_got_it(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    """The end's time is read once the campaign is locked: an end read before waiting could
    precede another end committed meanwhile, find the campaign open and end it again."""
    made = await new_campaign(client, datetime.now(UTC), uuid.uuid4(), bonus_points=1)
    async with transaction(loyalty_sessions) as gate:
        await locked_for_change(gate)
        ending = asyncio.ensure_future(
            client.post(f"/campaigns/{made['id']}/end", headers={**MARKETING, **key()})
        )
        await until_waiting(ending, loyalty_sessions, waiting=1)
        await asyncio.sleep(0.2)
        released = datetime.now(UTC)
    answer = await ending
    assert answer.status_code == 200, answer.text
    assert datetime.fromisoformat(answer.json()["ends_at"]) >= released
