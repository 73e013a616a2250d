"""Draw campaigns running now, made through the API, ended once the module is done so no
later test's purchase earns chances in them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from shared.db import Sessions, create_engine, create_sessions, transaction
from tests.loyalty.conftest import handle, key, purchase_event
from tests.stack import Stack, staff_headers

MARKETING = staff_headers("marketing")


@pytest.fixture(scope="module")
async def ends_its_campaigns(stack: Stack) -> AsyncIterator[None]:
    """Use in every module that makes campaigns."""
    started = datetime.now(UTC)
    yield
    engine = create_engine(stack.settings("loyalty"))
    try:
        async with transaction(create_sessions(engine)) as session:
            await session.execute(
                text(
                    "UPDATE loyalty.lottery_campaigns SET ends_at = starts_at + interval '1 ms' "
                    "WHERE created_at >= :started AND ends_at > now()"
                ),
                {"started": started},
            )
    finally:
        await engine.dispose()


def points_prize(points: int, probability: int, quota: int, **more: Any) -> dict[str, Any]:
    return {
        "name": f"{points} 积分",
        "kind": "points",
        "points": points,
        "probability": probability,
        "daily_quota": quota,
        **more,
    }


def gift_prize(probability: int, quota: int, **more: Any) -> dict[str, Any]:
    return {
        "name": "一等奖 豪华套装",
        "kind": "gift",
        "gift_name": "Deluxe skincare set",
        "probability": probability,
        "daily_quota": quota,
        **more,
    }


def campaign_body(*prizes: dict[str, Any], **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "name": "十周年抽奖",
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(hours=1)).isoformat(),
        "earn": {"kind": "per_spend", "spend_fen": 10_000},
        "prizes": list(prizes),
    } | changes


async def new_campaign(
    client: httpx.AsyncClient, *prizes: dict[str, Any], **changes: Any
) -> dict[str, Any]:
    response = await client.post(
        "/lottery/campaigns", json=campaign_body(*prizes, **changes), headers=MARKETING | key()
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def buyer(sessions: Sessions, total_fen: int) -> tuple[uuid.UUID, uuid.UUID]:
    """A new member (their account opened) with one purchase now; (member, purchase)."""
    member_id, purchase_id = uuid.uuid4(), uuid.uuid4()
    await handle(sessions, purchase_event(member_id, total_fen, purchase_id))
    return member_id, purchase_id
