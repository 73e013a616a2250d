"""Writes of the read models: one prepared upsert per kind of fact."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Integer, Uuid, bindparam, func, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.sql.expression import Executable

from services.analytics.facts.domain import Tier
from services.analytics.facts.models import (
    MemberStats,
    MemberTag,
    NotificationDay,
    Purchase,
    PurchaseReturn,
    SurveyAnswer,
    TierHistory,
)
from shared.db import AsyncSession

_members = MemberStats.__table__  # type: ignore[attr-defined]
_purchases = Purchase.__table__  # type: ignore[attr-defined]
_returns = PurchaseReturn.__table__  # type: ignore[attr-defined]
_notification_days = NotificationDay.__table__  # type: ignore[attr-defined]
_surveys = SurveyAnswer.__table__  # type: ignore[attr-defined]
_tags = MemberTag.__table__  # type: ignore[attr-defined]

# Every write below is a Core statement built once, with its values as bind parameters: an
# ORM-entity insert went through the ORM's bulk-insert machinery and was cache-keyed value by
# value on every event.


def params(table: sa.Table, *names: str) -> dict[str, sa.BindParameter[Any]]:
    return {name: bindparam(name, type_=table.c[name].type) for name in names}


def _record_registration() -> Executable:
    stmt = pg_insert(_members).values(params(_members, "member_id", "registered_at", "store_id"))
    return stmt.on_conflict_do_update(
        index_elements=[_members.c.member_id],
        set_={"registered_at": stmt.excluded.registered_at, "store_id": stmt.excluded.store_id},
    )


def _record_purchases() -> Executable:
    """The fact rows of a run of purchases and their members' counters in one round trip.

    Given as arrays (one statement however many). A purchase id seen before, or twice in
    the run, writes one fact only, and only new facts move the counters, added up per
    member (members in id order, the lock order of every writer of ``members``). Returns
    each counted member's totals after the run. LEAST and GREATEST ignore NULLs, so a
    member's first purchase sets both moments.
    """
    rows = sa.select(
        func.unnest(bindparam("purchase_ids", type_=ARRAY(Uuid))).label("purchase_id"),
        func.unnest(bindparam("member_ids", type_=ARRAY(Uuid))).label("member_id"),
        func.unnest(bindparam("store_ids", type_=ARRAY(Uuid))).label("store_id"),
        func.unnest(bindparam("totals", type_=ARRAY(sa.BigInteger))).label("total_fen"),
        func.unnest(bindparam("moments", type_=ARRAY(sa.DateTime(timezone=True)))).label(
            "purchased_at"
        ),
    )
    names = ["purchase_id", "member_id", "store_id", "total_fen", "purchased_at"]
    fact = (
        pg_insert(_purchases)
        .from_select(names, rows)
        .on_conflict_do_nothing(index_elements=[_purchases.c.purchase_id])
        .returning(_purchases.c.member_id, _purchases.c.total_fen, _purchases.c.purchased_at)
        .cte("fact")
    )
    counted = (
        sa.select(
            fact.c.member_id,
            func.count().label("purchase_count"),
            func.sum(fact.c.total_fen).label("spend_fen"),
            func.min(fact.c.purchased_at),
            func.max(fact.c.purchased_at),
        )
        .group_by(fact.c.member_id)
        .order_by(fact.c.member_id)
    )
    stmt = pg_insert(_members).from_select(
        ["member_id", "purchase_count", "spend_fen", "first_purchase_at", "last_purchase_at"],
        counted,
    )
    return (
        stmt.on_conflict_do_update(
            index_elements=[_members.c.member_id],
            set_={
                "purchase_count": _members.c.purchase_count + stmt.excluded.purchase_count,
                "spend_fen": _members.c.spend_fen + stmt.excluded.spend_fen,
                "first_purchase_at": func.least(
                    _members.c.first_purchase_at, stmt.excluded.first_purchase_at
                ),
                "last_purchase_at": func.greatest(
                    _members.c.last_purchase_at, stmt.excluded.last_purchase_at
                ),
            },
        )
        .returning(_members.c.member_id, _members.c.spend_fen, _members.c.purchase_count)
        .add_cte(fact)
    )


def _hold_tier() -> Executable:
    """The member's row, created if missing and locked until commit; returns its tier.

    The no-op update is what takes the lock (and makes RETURNING answer for an existing row).
    """
    stmt = pg_insert(_members).values(params(_members, "member_id"))
    return stmt.on_conflict_do_update(
        index_elements=[_members.c.member_id], set_={"tier_code": _members.c.tier_code}
    ).returning(_members.c.tier_code, _members.c.tier_changed_at)


def _set_tier() -> Executable:
    return (
        update(_members)
        .where(_members.c.member_id == bindparam("member", type_=Uuid))
        .values(
            tier_code=bindparam("code", type_=_members.c.tier_code.type),
            tier_changed_at=bindparam("changed_at", type_=_members.c.tier_changed_at.type),
        )
    )


def _count_notifications() -> Executable:
    """Adds each (day, channel, status)'s count, given as arrays: one statement for a run
    of outcomes, whatever its length."""
    rows = sa.select(
        func.unnest(bindparam("days", type_=ARRAY(sa.Date))).label("day"),
        func.unnest(bindparam("channels", type_=ARRAY(sa.Text))).label("channel"),
        func.unnest(bindparam("statuses", type_=ARRAY(sa.Text))).label("status"),
        func.unnest(bindparam("counts", type_=ARRAY(Integer))).label("count"),
    )
    stmt = pg_insert(_notification_days).from_select(["day", "channel", "status", "count"], rows)
    return stmt.on_conflict_do_update(
        index_elements=[
            _notification_days.c.day,
            _notification_days.c.channel,
            _notification_days.c.status,
        ],
        set_={"count": _notification_days.c.count + stmt.excluded.count},
    )


def _record_survey() -> Executable:
    """One answer per ticket: customer takes a survey's answer once, so a repeat is a
    redelivery and changes nothing."""
    stmt = pg_insert(_surveys).values(
        params(_surveys, "ticket_id", "member_id", "score", "answered_at")
    )
    return stmt.on_conflict_do_nothing(index_elements=[_surveys.c.ticket_id])


_RECORD_REGISTRATION = _record_registration()
_RECORD_SURVEY = _record_survey()
_RECORD_PURCHASES = _record_purchases()
_HOLD_TIER = _hold_tier()
_SET_TIER = _set_tier()
_COUNT_NOTIFICATIONS = _count_notifications()


async def record_registration(
    session: AsyncSession, member_id: uuid.UUID, registered_at: datetime, store_id: uuid.UUID | None
) -> None:
    await session.execute(
        _RECORD_REGISTRATION,
        {"member_id": member_id, "registered_at": registered_at, "store_id": store_id},
    )


@dataclass(frozen=True)
class MemberTotals:
    """A member's running totals after purchases were counted."""

    member_id: uuid.UUID
    spend_fen: int
    purchase_count: int


@dataclass(frozen=True)
class PurchaseFact:
    """A purchase as analytics counts it: total in fen, moment in UTC."""

    purchase_id: uuid.UUID
    member_id: uuid.UUID
    store_id: uuid.UUID
    total_fen: int
    purchased_at: datetime


async def record_purchases(
    session: AsyncSession, purchases: Sequence[PurchaseFact]
) -> list[MemberTotals]:
    """Adds the fact rows of the purchases not recorded before and counts them for their
    members; returns the totals of each member whose counters moved."""
    if not purchases:
        return []
    result = await session.execute(
        _RECORD_PURCHASES,
        {
            "purchase_ids": [p.purchase_id for p in purchases],
            "member_ids": [p.member_id for p in purchases],
            "store_ids": [p.store_id for p in purchases],
            "totals": [p.total_fen for p in purchases],
            "moments": [p.purchased_at for p in purchases],
        },
    )
    return [MemberTotals(row.member_id, row.spend_fen, row.purchase_count) for row in result]


async def hold_tier(session: AsyncSession, member_id: uuid.UUID) -> Tier:
    """The member's tier, their row locked until commit (and created if missing)."""
    row = (await session.execute(_HOLD_TIER, {"member_id": member_id})).one()
    return Tier(row.tier_code, row.tier_changed_at)


async def set_tier(session: AsyncSession, member_id: uuid.UUID, tier: Tier) -> None:
    await session.execute(
        _SET_TIER, {"member": member_id, "code": tier.code, "changed_at": tier.changed_at}
    )


async def count_notifications(
    session: AsyncSession, counts: Mapping[tuple[date, str, str], int]
) -> None:
    """Adds ``counts`` of notification outcomes, keyed by (business day, channel, status)."""
    if not counts:
        return
    keys = list(counts)
    await session.execute(
        _COUNT_NOTIFICATIONS,
        {
            "days": [day for day, _, _ in keys],
            "channels": [channel for _, channel, _ in keys],
            "statuses": [status for _, _, status in keys],
            "counts": [counts[key] for key in keys],
        },
    )


async def record_survey(
    session: AsyncSession,
    *,
    ticket_id: uuid.UUID,
    member_id: uuid.UUID,
    score: int,
    answered_at: datetime,
) -> None:
    await session.execute(
        _RECORD_SURVEY,
        {
            "ticket_id": ticket_id,
            "member_id": member_id,
            "score": score,
            "answered_at": answered_at,
        },
    )


async def record_tier(session: AsyncSession, member_id: uuid.UUID, code: str, at: datetime) -> None:
    """Adds the member's tier ``code`` from ``at`` to their tier history, once."""
    await session.execute(
        pg_insert(TierHistory)
        .values(member_id=member_id, at=at, tier_code=code)
        .on_conflict_do_nothing()
    )


async def change_tags(
    session: AsyncSession,
    member_id: uuid.UUID,
    added: Sequence[uuid.UUID],
    removed: Sequence[uuid.UUID],
) -> None:
    """Adds and removes the member's tags (set operations: a redelivery changes nothing)."""
    if removed:
        await session.execute(
            sa.delete(_tags).where(_tags.c.member_id == member_id, _tags.c.tag_id.in_(removed))
        )
    if added:
        await session.execute(
            pg_insert(_tags)
            .values([{"member_id": member_id, "tag_id": tag} for tag in added])
            .on_conflict_do_nothing()
        )
