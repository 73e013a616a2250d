"""Referrals applied by hand: the friend's registration, purchases and returns as loyalty's
handlers receive them, the reward policy with three cash-voucher bands (the seed's 20 / 30
/ 50 yuan for ≥ 100 / 300 / 800 yuan) and the due work run for one referral."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import col, select

from services.loyalty.referrals.models import Referral
from services.loyalty.referrals.service import settle
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.events.customer import MemberReferred
from tests.loyalty.conftest import handle, key, registered_event
from tests.loyalty.coupons.test_api import MARKETING, body

NOW = datetime.now(UTC).replace(microsecond=0)
REFERRED_AT = NOW - timedelta(days=10)
PURCHASED_AT = NOW - timedelta(days=9)
"""With the 7-day return window: due 2 days ago."""


def referred_event(friend: uuid.UUID, referrer: uuid.UUID, at: datetime) -> CloudEvent:
    payload = MemberReferred(member_id=friend, referrer_id=referrer, referred_at=at)
    return CloudEvent.of(payload, source="/huiyuan/customer")


@dataclass(frozen=True)
class Bands:
    twenty: str
    thirty: str
    fifty: str


async def voucher(client: httpx.AsyncClient, value_fen: int, **changes: Any) -> str:
    """A cash voucher definition of ``value_fen`` a member may hold 20 of."""
    terms = {"kind": "cash_voucher", "value_fen": value_fen}
    made = body(name=f"老带新{value_fen // 100}元", terms=terms, per_member_limit=20) | changes
    response = await client.post("/coupons/definitions", json=made, headers=MARKETING | key())
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


SetBands = Callable[..., Awaitable[Bands]]


@pytest.fixture
async def reward_policy(
    client: httpx.AsyncClient, loyalty_sessions: Sessions, points_policy: Any
) -> AsyncIterator[SetBands]:
    """``await reward_policy(monthly_cap=2)``: bands ≥ 10,000 fen → 2,000, ≥ 30,000 →
    3,000, ≥ 80,000 → 5,000; the points policy's return window 7 days."""

    async def set_(monthly_cap: int | None = None) -> Bands:
        await points_policy(return_window_days=7)
        bands = Bands(
            await voucher(client, 2_000), await voucher(client, 3_000), await voucher(client, 5_000)
        )
        policy = {
            "bands": [
                {"min_spend_fen": 80_000, "definition_id": bands.fifty},
                {"min_spend_fen": 10_000, "definition_id": bands.twenty},
                {"min_spend_fen": 30_000, "definition_id": bands.thirty},
            ],
            "monthly_cap": monthly_cap,
        }
        put = await client.put("/program/referral-policy", json=policy, headers=MARKETING)
        assert put.status_code == 200, put.text
        return bands

    yield set_
    async with transaction(loyalty_sessions) as session:
        await session.execute(text("DELETE FROM loyalty.referral_policy"))


async def referred_pair(
    sessions: Sessions, referrer: uuid.UUID | None = None
) -> tuple[uuid.UUID, uuid.UUID]:
    """A registered referrer (a new one unless given) and a friend registered with their
    code (``REFERRED_AT``)."""
    friend = uuid.uuid4()
    if referrer is None:
        referrer = uuid.uuid4()
        await handle(sessions, registered_event(referrer))
    await handle(sessions, registered_event(friend))
    await handle(sessions, referred_event(friend, referrer, REFERRED_AT))
    return referrer, friend


async def referral_of(sessions: Sessions, friend: uuid.UUID) -> Referral:
    async with sessions() as session:
        query = select(Referral).where(col(Referral.friend_member_id) == friend)
        return (await session.scalars(query)).one()


async def settle_now(sessions: Sessions, friend: uuid.UUID, now: datetime = NOW) -> Referral:
    """Runs the due work for the friend's referral at ``now``; the referral after it."""
    referral = await referral_of(sessions, friend)
    async with transaction(sessions) as session:
        await settle(session, referral.id, now)
    return await referral_of(sessions, friend)
