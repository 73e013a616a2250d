"""At its end a campaign rewards its top spenders once: a second run, or a run a crash
cut short, neither doubles nor loses a reward."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any

import httpx
from sqlalchemy import select, text

from services.loyalty.base import outbox
from services.loyalty.campaigns.closeout import close, close_due
from services.loyalty.campaigns.models import CampaignRow
from services.loyalty.points.invariants import check_ledger_invariants
from services.loyalty.tiers.jobs import review_due
from services.loyalty.tiers.service import standing_of
from shared.db import Sessions
from tests.loyalty.campaigns.conftest import MARKETING, new_campaign, put_rules_from
from tests.loyalty.conftest import funded_member, handle, ledger_of, published
from tests.loyalty.rules.sales import SHANGHAI, at, line, new_year, sale_event


async def _closed_events(sessions: Sessions, campaign_id: str) -> list[dict[str, Any]]:
    table = outbox.table
    async with sessions() as session:
        rows = await session.execute(
            select(table.c.envelope).where(
                table.c.event_type == "loyalty.campaign.closed", table.c.key == campaign_id
            )
        )
        return [row.envelope["data"] for row in rows]


async def _rewards(sessions: Sessions, member: uuid.UUID) -> list[int]:
    entries = await ledger_of(sessions, member)
    return [e.points for e in entries if e.source_type == "campaign_reward"]


async def test_the_top_spenders_are_rewarded_once_when_the_campaign_has_ended(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    start = new_year(6) + timedelta(days=300)
    await put_rules_from(client, start)
    store = uuid.uuid4()
    made = await new_campaign(
        client, start, store, bonus_points=1, reward_top_n=2, reward_points=500
    )
    first, second, third = (uuid.uuid4() for _ in range(3))
    for member, amount in ((second, 20_000), (first, 30_000), (third, 10_000)):
        sale = sale_event(member, at(start.date()), line(1, "A", "x", amount), store_id=store)
        await handle(loyalty_sessions, sale)
    end = start + timedelta(days=10)

    await close_due(loyalty_sessions, end - timedelta(seconds=1))  # not yet ended
    assert (await client.get(f"/campaigns/{made['id']}", headers=MARKETING)).json()[
        "closed_at"
    ] is None
    # a close-out the crash cut short: rolled back, nothing done, still due
    async with loyalty_sessions() as session:
        row = await session.get(CampaignRow, uuid.UUID(made["id"]), with_for_update=True)
        assert row is not None
        await close(session, row, end)
        await session.rollback()
    assert await _rewards(loyalty_sessions, first) == []

    assert await close_due(loyalty_sessions, end) >= 1
    await close_due(loyalty_sessions, end + timedelta(days=1))  # again: nothing more
    assert await _rewards(loyalty_sessions, first) == [500]
    assert await _rewards(loyalty_sessions, second) == [500]
    assert await _rewards(loyalty_sessions, third) == []
    read = (await client.get(f"/campaigns/{made['id']}", headers=MARKETING)).json()
    assert read["closed_at"] is not None
    [closed] = await _closed_events(loyalty_sessions, made["id"])
    assert closed["rewarded_members"] == [str(first), str(second)]
    assert closed["reward_points"] == 500
    assert closed["spent_points"] == 3
    async with loyalty_sessions() as session:
        rewarded = await session.execute(
            text(
                "SELECT count(*) FROM loyalty.outbox WHERE event_type = :t "
                "AND envelope->'data'->>'campaign_id' = :c"
            ),
            {"t": "loyalty.campaign.rewarded", "c": made["id"]},
        )
        assert rewarded.scalar_one() == 2
        report = await check_ledger_invariants(session, members=[first, second, third])
    assert report.ok, str(report)


async def test_the_top_spenders_get_the_tier_for_the_period_once_and_none_is_lowered(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    start = new_year(6) + timedelta(days=320)
    await put_rules_from(client, start)
    end = start + timedelta(days=10)
    last_day = end.date() + timedelta(days=30)
    store = uuid.uuid4()
    made = await new_campaign(
        client,
        start,
        store,
        bonus_points=1,
        reward_top_n=3,
        reward_tier_code="star",
        reward_tier_until=last_day.isoformat(),
    )
    assert (made["reward_tier_code"], made["reward_tier_until"]) == ("star", last_day.isoformat())
    angel = await funded_member(loyalty_sessions, 2_000_000)  # above the awarded tier
    first, second, third = (uuid.uuid4() for _ in range(3))
    for member, amount in ((angel, 50_000), (second, 20_000), (first, 30_000), (third, 10_000)):
        sale = sale_event(member, at(start.date()), line(1, "A", "x", amount), store_id=store)
        await handle(loyalty_sessions, sale)
    # a close-out the crash cut short: rolled back, nobody placed, still due
    async with loyalty_sessions() as session:
        row = await session.get(CampaignRow, uuid.UUID(made["id"]), with_for_update=True)
        assert row is not None
        await close(session, row, end)
        await session.rollback()
    assert await _tier(loyalty_sessions, first) == ("standard", None)

    assert await close_due(loyalty_sessions, end) >= 1
    await close_due(loyalty_sessions, end + timedelta(days=1))  # again: nothing more
    ends = datetime.combine(last_day + timedelta(days=1), time(), SHANGHAI)
    assert await _tier(loyalty_sessions, first) == ("star", ends)
    assert await _tier(loyalty_sessions, second) == ("star", ends)
    assert await _tier(loyalty_sessions, third) == ("standard", None)  # rank 4
    assert await _tier(loyalty_sessions, angel) == ("angel", None)  # rank 1 keeps theirs
    [changed] = await published(loyalty_sessions, first, "loyalty.tier.changed")
    assert (changed["from_tier"], changed["to_tier"], changed["change"]) == (
        "standard",
        "star",
        "manual",
    )
    assert changed["campaign_id"] == made["id"]
    assert datetime.fromisoformat(changed["until"]) == ends
    manual = await published(loyalty_sessions, angel, "loyalty.tier.changed")
    assert [c["change"] for c in manual] == ["upgrade"]  # its own purchase, nothing manual
    [closed] = await _closed_events(loyalty_sessions, made["id"])
    assert closed["tier_awarded_members"] == [str(first), str(second)]
    assert closed["rewarded_members"] == []
    assert (closed["reward_tier_code"], closed["reward_points"]) == ("star", 0)
    async with loyalty_sessions() as session:
        audit = await session.execute(
            text(
                "SELECT member_id, assigned_by FROM loyalty.tier_assignments WHERE reason LIKE :r"
            ),
            {"r": "%rank%"},
        )
        by_campaign = [
            row.member_id for row in audit if row.assigned_by == f"campaign:{made['id']}"
        ]
        report = await check_ledger_invariants(session, members=[first, second, angel])
    assert sorted(by_campaign) == sorted([first, second])
    assert report.ok, str(report)

    await review_due(loyalty_sessions, ends)  # the period over: placed by what they qualify for
    assert await _tier(loyalty_sessions, first) == ("standard", None)


async def _tier(sessions: Sessions, member: uuid.UUID) -> tuple[str, datetime | None]:
    async with sessions() as session:
        standing = await standing_of(session, member)
    assert standing is not None
    return standing.tier_code, standing.assigned_until
