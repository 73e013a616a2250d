"""At its end a campaign rewards its top spenders once: a second run, or a run a crash
cut short, neither doubles nor loses a reward."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select, text

from services.loyalty.base import outbox
from services.loyalty.campaigns.closeout import close, close_due
from services.loyalty.campaigns.models import CampaignRow
from services.loyalty.points.invariants import check_ledger_invariants
from shared.db import Sessions
from tests.loyalty.campaigns.conftest import MARKETING, new_campaign
from tests.loyalty.conftest import handle, ledger_of
from tests.loyalty.rules.sales import at, line, new_year, sale_event


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
