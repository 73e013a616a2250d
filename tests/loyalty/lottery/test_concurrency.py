"""Hundreds of draws racing for the last top prize of the day, over loopback HTTP against
the app served by uvicorn: exactly one wins it, the rest fall down the ranks as configured
and no quota is exceeded (the quota row's conditional upsert decides, and the CHECK
behind it)."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import httpx
import pytest
from sqlalchemy import text

from services.loyalty.lottery.invariants import lottery_violations
from shared.db import Sessions
from tests.loyalty.conftest import key
from tests.loyalty.lottery.conftest import buyer, gift_prize, new_campaign, points_prize
from tests.server import serving
from tests.stack import Stack, member_headers

pytestmark = pytest.mark.usefixtures("ends_its_campaigns")

RACERS = 200


async def test_the_last_top_prize_of_the_day_is_won_once_by_hundreds_of_racing_draws(
    stack: Stack, client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    made = await new_campaign(
        client,
        points_prize(1_000, 10_000, 2, fallback="next"),  # always picked, 2 a day
        points_prize(100, 0, 3, fallback="next"),  # reached only by falling
        gift_prize(0, 5),  # then nothing
        earn={"kind": "per_sale", "spend_fen": 10_000},
    )
    campaign = made["id"]
    first, second, third = (prize["prize_id"] for prize in made["prizes"])
    members = [(await buyer(loyalty_sessions, 10_000))[0] for _ in range(RACERS + 1)]
    async with serving(stack.app("loyalty")) as url, httpx.AsyncClient(base_url=url) as http:

        async def draw(member: uuid.UUID) -> httpx.Response:
            return await http.post(
                f"/members/{member}/draws",
                json={"campaign_id": campaign},
                headers=member_headers(member) | key(),
                timeout=120,
            )

        opening = await draw(members[0])  # one of the two taken: one left today
        assert opening.json()["prize"]["prize_id"] == first
        answers = await asyncio.gather(*(draw(member) for member in members[1:]))
    assert Counter(answer.status_code for answer in answers) == {201: RACERS}
    won = Counter(
        answer.json()["prize"]["prize_id"] if answer.json()["prize"] else None for answer in answers
    )
    assert won == {first: 1, second: 3, third: 5, None: RACERS - 9}
    assert {answer.json()["drawn_prize_id"] for answer in answers} == {first}
    async with loyalty_sessions() as session:
        rows = await session.execute(
            text(
                "SELECT prize_id::text AS prize, won FROM loyalty.lottery_quotas "
                "WHERE prize_id IN (:a, :b, :c)"
            ),
            {"a": first, "b": second, "c": third},
        )
        quotas = {row.prize: row.won for row in rows}
        assert quotas == {first: 2, second: 3, third: 5}
        assert await lottery_violations(session, members) == []
