"""Queries of the purchases journeys keep (:class:`~services.messaging.journeys.models.
JourneyPurchase`): recorded as consumed, voided once, and the remaining ones a void moves
a member's welcome and win-back to."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    DateTime,
    Table,
    Uuid,
    bindparam,
    column,
    delete,
    exists,
    func,
    literal,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert

from services.messaging.journeys.models import ErasedMember, JourneyPurchase
from shared.db import AsyncSession

_purchases: Table = JourneyPurchase.__table__  # type: ignore[attr-defined]
_erased: Table = ErasedMember.__table__  # type: ignore[attr-defined]


def _not_erased(member_id: Any) -> Any:
    """The condition that ``member_id`` is no member erasure reached."""
    return ~exists().where(_erased.c.member_id == member_id)


class Kept(NamedTuple):
    """A purchase not voided: its id and time."""

    purchase_id: uuid.UUID
    purchased_at: datetime


async def record(
    session: AsyncSession, purchases: Sequence[tuple[uuid.UUID, uuid.UUID, datetime]]
) -> set[uuid.UUID]:
    """Records purchases as (purchase id, member id, time), in one statement however many;
    the ids recorded now. One recorded before (delivered again, or voided by a void consumed
    first) is left as it is and not among them, and so is one of an erased member (none is
    recorded: journeys follow it no further)."""
    if not purchases:
        return set()
    rows = func.unnest(
        bindparam("ids", [p for p, _, _ in purchases], type_=ARRAY(Uuid())),
        bindparam("members", [m for _, m, _ in purchases], type_=ARRAY(Uuid())),
        bindparam("times", [t for _, _, t in purchases], type_=ARRAY(DateTime(timezone=True))),
    ).table_valued(
        column("purchase_id", Uuid()),
        column("member_id", Uuid()),
        column("purchased_at", DateTime(timezone=True)),
    )
    rows = rows.render_derived(name="new")
    statement = (
        insert(_purchases)
        .from_select(
            ["purchase_id", "member_id", "purchased_at"],
            select(rows.c.purchase_id, rows.c.member_id, rows.c.purchased_at).where(
                _not_erased(rows.c.member_id)
            ),
        )
        .on_conflict_do_nothing(index_elements=["purchase_id"])
        .returning(_purchases.c.purchase_id)
    )
    return set((await session.scalars(statement)).all())


async def void(
    session: AsyncSession,
    purchase_id: uuid.UUID,
    member_id: uuid.UUID,
    purchased_at: datetime,
    voided_at: datetime,
) -> bool:
    """Marks the purchase voided at ``voided_at``, recording it voided when it is not known
    yet (its void consumed first); whether this voided it (``False``: voided before, or
    its member erased: nothing is recorded of them)."""
    values = select(
        literal(purchase_id, Uuid()),
        literal(member_id, Uuid()),
        literal(purchased_at, DateTime(timezone=True)),
        literal(voided_at, DateTime(timezone=True)),
    ).where(_not_erased(member_id))
    row = insert(_purchases).from_select(
        ["purchase_id", "member_id", "purchased_at", "voided_at"], values
    )
    statement = row.on_conflict_do_update(
        index_elements=["purchase_id"],
        set_={"voided_at": row.excluded.voided_at},
        where=_purchases.c.voided_at.is_(None),
    ).returning(_purchases.c.purchase_id)
    return (await session.execute(statement)).first() is not None


async def forget_before(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Deletes up to ``limit`` purchases made before ``cutoff`` whose member has a later
    purchase not voided, also made before it (so each member keeps their latest purchase
    not voided of before ``cutoff``, and every one since); how many. Rows another
    transaction holds are skipped; the later purchase that lets one go is locked (``FOR
    SHARE``) until the commit, so a void of it in flight is waited for and then seen (that
    one no longer lets it go), and one coming after waits for the forget."""
    later = _purchases.alias("later")
    follows = (
        select(literal(1))
        .where(
            later.c.member_id == _purchases.c.member_id,
            later.c.voided_at.is_(None),
            later.c.purchased_at > _purchases.c.purchased_at,
            later.c.purchased_at < cutoff,
        )
        .limit(1)
        .with_for_update(read=True)
    )
    old = (
        select(_purchases.c.purchase_id)
        .where(_purchases.c.purchased_at < cutoff, follows.exists())
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = await session.execute(delete(_purchases).where(_purchases.c.purchase_id.in_(old)))
    forgotten: int = result.rowcount or 0  # type: ignore[attr-defined]
    return forgotten


async def remaining(session: AsyncSession, member_id: uuid.UUID) -> tuple[Kept, Kept] | None:
    """The member's earliest and latest purchases not voided (the same one when they have
    one); ``None`` when they have none. Ties go to the lower purchase id."""
    kept = _purchases.c.voided_at.is_(None)
    mine = select(_purchases.c.purchase_id, _purchases.c.purchased_at).where(
        _purchases.c.member_id == member_id, kept
    )
    key = _purchases.c.purchased_at
    first = (await session.execute(mine.order_by(key, _purchases.c.purchase_id).limit(1))).first()
    if first is None:
        return None
    last = (
        await session.execute(mine.order_by(key.desc(), _purchases.c.purchase_id).limit(1))
    ).one()
    return Kept(*first), Kept(*last)
