"""Queries of referrals, the reward policy and the referrers' months."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, Uuid, any_, bindparam, func, tuple_, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlmodel import col, select

from services.loyalty.referrals.models import Referral, ReferralMonth, ReferralPolicy
from shared.db import AsyncSession, Prepared

_referrals: Table = Referral.__table__  # type: ignore[attr-defined]
_policy: Table = ReferralPolicy.__table__  # type: ignore[attr-defined]
_months: Table = ReferralMonth.__table__  # type: ignore[attr-defined]


async def add(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Inserts the referral unless its friend has one already; whether it was inserted."""
    inserted = await session.execute(
        insert(Referral)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["friend_member_id"])
        .returning(col(Referral.id))
    )
    return inserted.first() is not None


async def of_referrer(
    session: AsyncSession,
    member_id: uuid.UUID,
    limit: int,
    before: tuple[datetime, uuid.UUID] | None,
) -> list[Referral]:
    """``limit`` of the member's referrals, the latest first (ties by id, highest first),
    those before ``before``'s ``(referred_at, id)`` when given."""
    referred_at, referral_id = col(Referral.referred_at), col(Referral.id)
    query = select(Referral).where(Referral.referrer_member_id == member_id)
    if before is not None:
        query = query.where(tuple_(referred_at, referral_id) < before)
    query = query.order_by(referred_at.desc(), referral_id.desc()).limit(limit)
    return list((await session.scalars(query)).all())


_PENDING_AMONG = Prepared(
    select(_referrals.c.friend_member_id).where(
        _referrals.c.state == "pending",
        _referrals.c.friend_member_id == any_(bindparam("members", type_=ARRAY(Uuid))),
    )
)
"""Built once, sent as asyncpg's prepared statement: every batch of purchases asks it."""


async def pending_among(session: AsyncSession, members: list[uuid.UUID]) -> set[uuid.UUID]:
    """Those of ``members`` who are friends with a ``pending`` referral."""
    rows = await _PENDING_AMONG.fetch(session, members=members)
    return {row["friend_member_id"] for row in rows}


async def qualify(
    session: AsyncSession,
    friend_member_id: uuid.UUID,
    *,
    purchase_id: uuid.UUID,
    spend_fen: int,
    purchased_at: datetime,
    due_at: datetime,
) -> Referral | None:
    """Makes the friend's pending referral ``qualified`` by the purchase if they registered
    before it; the referral, or None (no referral, or not pending any more)."""
    statement = (
        update(_referrals)
        .where(
            _referrals.c.friend_member_id == friend_member_id,
            _referrals.c.state == "pending",
            _referrals.c.referred_at < purchased_at,
        )
        .values(
            state="qualified",
            purchase_id=purchase_id,
            spend_fen=spend_fen,
            qualified_at=purchased_at,
            due_at=due_at,
            attempt_at=due_at,
        )
        .returning(*_referrals.c)
    )
    row = (await session.execute(statement)).first()
    return None if row is None else Referral.model_validate(row._mapping)


async def add_returned(
    session: AsyncSession, purchase_id: uuid.UUID, amount_fen: int, returned_at: datetime
) -> None:
    """Adds a return of the qualifying purchase to its referral's ``returned_fen`` (at most
    the spend) while the referral is ``qualified`` and the return is inside its window."""
    await session.execute(
        update(_referrals)
        .where(
            _referrals.c.purchase_id == purchase_id,
            _referrals.c.state == "qualified",
            _referrals.c.due_at > returned_at,
        )
        .values(
            returned_fen=func.least(_referrals.c.spend_fen, _referrals.c.returned_fen + amount_fen)
        )
    )


async def due(session: AsyncSession, now: datetime, limit: int) -> list[uuid.UUID]:
    """Ids of qualified referrals whose due work should run by ``now``, the earliest first."""
    query = (
        select(col(Referral.id))
        .where(col(Referral.state) == "qualified", col(Referral.attempt_at) <= now)
        .order_by(col(Referral.attempt_at), col(Referral.id))
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def locked(session: AsyncSession, referral_id: uuid.UUID) -> Referral | None:
    query = select(Referral).where(col(Referral.id) == referral_id).with_for_update()
    return (await session.scalars(query.execution_options(populate_existing=True))).first()


async def set_fields(session: AsyncSession, referral_id: uuid.UUID, values: dict[str, Any]) -> None:
    await session.execute(update(_referrals).where(_referrals.c.id == referral_id).values(values))


async def locked_month(session: AsyncSession, referrer: uuid.UUID, month: date) -> int:
    """The referrer's rewards in the month, its row locked (made at 0 if new)."""
    await session.execute(
        insert(_months)
        .values(referrer_member_id=referrer, month=month, rewarded=0)
        .on_conflict_do_nothing(index_elements=["referrer_member_id", "month"])
    )
    query = (
        select(_months.c.rewarded)
        .where(_months.c.referrer_member_id == referrer, _months.c.month == month)
        .with_for_update()
    )
    rewarded: int = (await session.execute(query)).scalar_one()
    return rewarded


async def count_reward(session: AsyncSession, referrer: uuid.UUID, month: date) -> None:
    await session.execute(
        update(_months)
        .where(_months.c.referrer_member_id == referrer, _months.c.month == month)
        .values(rewarded=_months.c.rewarded + 1)
    )


async def policy(session: AsyncSession) -> ReferralPolicy | None:
    return await session.get(ReferralPolicy, 1, populate_existing=True)


async def set_policy(session: AsyncSession, values: dict[str, Any]) -> None:
    """Inserts or replaces the one row, its ``version`` one more than before."""
    statement = insert(_policy).values(id=1, version=1, **values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["id"], set_={**values, "version": _policy.c.version + 1}
        )
    )
