"""Points earned under an expiry policy: loyalty's daily job announces their expiry, then
expires them, and messaging tells the member of both by SMS, through the broker."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from services.loyalty.lots.jobs import announce_expiring, expire_due
from shared.db import Sessions, transaction
from tests.e2e.conftest import System
from tests.e2e.test_purchase_flow import ADMIN, _loyalty, _member, _ok, _program, _purchase
from tests.e2e.test_purchase_flow import _store_key as _store
from tests.stack import eventually

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def three_months_expiry(system: System, loyalty_sessions: Sessions) -> AsyncIterator[None]:
    """Points earned during the test expire three months after; the default after it."""
    policy = {"expiry": "months_after_earning", "expiry_months": 3, "expiring_notice_days": 30}
    _ok(await system["loyalty"].put("/program/points-policy", json=policy, headers=ADMIN))
    yield
    async with transaction(loyalty_sessions) as session:
        await session.execute(text("DELETE FROM loyalty.points_policy"))


async def _expiry(sessions: Sessions, member_id: str) -> datetime:
    async with sessions() as session:
        expires_at: datetime = (
            await session.execute(
                text(
                    "SELECT l.expires_at FROM loyalty.point_lots l "
                    "JOIN loyalty.account_holders h USING (account_id) "
                    "WHERE h.member_id = :member"
                ),
                {"member": uuid.UUID(member_id)},
            )
        ).scalar_one()
    return expires_at


async def test_expiring_then_expired_points_are_told_by_sms(
    system: System, loyalty_sessions: Sessions, three_months_expiry: None
) -> None:
    await _program(system)
    key = await _store(system)
    member = await _member(system)
    await _purchase(system, key, member, price_fen=50_000)  # ¥500 → 500 points

    async def earned() -> bool:
        return (await _loyalty(system, member["id"])).get("balance") == 500

    await eventually(earned, timeout=15)
    due = await _expiry(loyalty_sessions, member["id"])
    last_day = (due - timedelta(microseconds=1)).astimezone(SHANGHAI).date()
    written = f"{last_day.year}年{last_day.month}月{last_day.day}日"

    await announce_expiring(loyalty_sessions, due - timedelta(days=1))
    await announce_expiring(loyalty_sessions, due - timedelta(hours=1))  # nothing new
    await expire_due(loyalty_sessions, due)  # leaves nothing of it for later tests

    expected = [
        f"韩梅梅，您有 500 积分即将过期：500 积分有效期至{written}。请及时使用！",
        "韩梅梅，您有 500 积分已到有效期并过期，当前积分余额 0。",
    ]

    async def told() -> list[str] | None:
        texts = [m.text for m in system.providers.inbox().sms if m.to == member["phone"]]
        return texts if all(text in texts for text in expected) else None

    texts = await eventually(told, timeout=20)
    assert sum("积分即将过期" in text for text in texts) == 1
