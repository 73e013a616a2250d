"""Lottery lists page by cursor to their last item: the campaigns, a day's draw audit (its
per-prize counts whole on every page) and a member's draws (their chances on every page)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from shared.db import Sessions
from tests.loyalty.conftest import key, problem
from tests.loyalty.lottery.conftest import MARKETING, buyer, new_campaign, points_prize
from tests.stack import every_item, member_headers, newest_first

pytestmark = pytest.mark.usefixtures("ends_its_campaigns")

FORGED = "bm90LW91cnM="


async def test_the_campaigns_page_latest_starting_first_ties_by_id(
    client: httpx.AsyncClient,
) -> None:
    start = datetime.now(UTC) + timedelta(days=30)
    ends = (start + timedelta(hours=1)).isoformat()
    prize = points_prize(1, 100, 1)
    tied = [
        await new_campaign(client, prize, starts_at=start.isoformat(), ends_at=ends)
        for _ in range(2)
    ]
    earlier = start - timedelta(minutes=1)
    first = await new_campaign(client, prize, starts_at=earlier.isoformat(), ends_at=ends)

    listed = await every_item(client, "/lottery/campaigns", MARKETING, limit=2)
    assert newest_first(listed, "starts_at")
    tied_ids = sorted((t["id"] for t in tied), key=uuid.UUID, reverse=True)
    made = {first["id"], *tied_ids}
    assert [c["id"] for c in listed if c["id"] in made] == [*tied_ids, first["id"]]
    assert listed == await every_item(client, "/lottery/campaigns", MARKETING)

    forged = await client.get("/lottery/campaigns", params={"cursor": FORGED}, headers=MARKETING)
    assert [e["location"] for e in problem(forged, 422)["errors"]] == ["query.cursor"]


async def test_a_days_draws_and_a_members_draws_page_to_the_last(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    campaign = (await new_campaign(client, points_prize(1, 10_000, 10)))["id"]
    member, _ = await buyer(loyalty_sessions, 50_000)  # one per 100 yuan: 5 chances
    made = []
    for _ in range(5):
        drawn = await client.post(
            f"/members/{member}/draws",
            json={"campaign_id": campaign},
            headers=member_headers(member) | key(),
        )
        assert drawn.status_code == 201, drawn.text
        made.append(drawn.json())
    latest_first = [d["draw_id"] for d in reversed(made)]

    audit, day = f"/lottery/campaigns/{campaign}/draws", made[0]["quota_day"]
    audited = await every_item(client, audit, MARKETING, limit=2, day=day)
    assert newest_first(audited, "drawn_at", "draw_id")
    assert [d["draw_id"] for d in audited] == latest_first
    first_four = await client.get(audit, params={"day": day, "limit": 4}, headers=MARKETING)
    following = await client.get(
        audit,
        params={"day": day, "limit": 4, "cursor": first_four.json()["next_cursor"]},
        headers=MARKETING,
    )
    assert following.json()["next_cursor"] is None
    assert [d["draw_id"] for d in following.json()["items"]] == [made[0]["draw_id"]]
    assert following.json()["prizes"] == first_four.json()["prizes"]
    assert [p["won_today"] for p in following.json()["prizes"]] == [5]

    mine = f"/members/{member}/draws"
    assert [d["draw_id"] for d in await every_item(client, mine, MARKETING, limit=2)] == (
        latest_first
    )
    page = await client.get(mine, params={"limit": 2}, headers=member_headers(member))
    assert page.json()["chances"] == [{"campaign_id": campaign, "chances": 0}]

    for path in (audit, mine):
        forged = await client.get(path, params={"cursor": FORGED}, headers=MARKETING)
        assert [e["location"] for e in problem(forged, 422)["errors"]] == ["query.cursor"]
