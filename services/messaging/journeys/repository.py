"""Queries of journey runs and the journey settings."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    DateTime,
    Select,
    String,
    Table,
    Uuid,
    bindparam,
    cast,
    column,
    delete,
    exists,
    func,
    literal,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, insert

from services.messaging.journeys.domain import RunState, Window
from services.messaging.journeys.models import JourneyRun, JourneySettingsRow
from shared.db import AsyncSession
from shared.pagination import PageKey

_runs: Table = JourneyRun.__table__  # type: ignore[attr-defined]
_settings: Table = JourneySettingsRow.__table__  # type: ignore[attr-defined]


async def settings(session: AsyncSession) -> JourneySettingsRow | None:
    return await session.get(JourneySettingsRow, 1, populate_existing=True)


async def set_settings(session: AsyncSession, values: dict[str, Any]) -> None:
    """Inserts or replaces the one row, its ``version`` one more than before."""
    statement = insert(_settings).values(id=1, version=1, **values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["id"], set_={**values, "version": _settings.c.version + 1}
        )
    )


async def add(
    session: AsyncSession,
    journey: str,
    member_id: uuid.UUID,
    occurrence: str,
    window: Window,
    context: dict[str, Any] | None = None,
) -> uuid.UUID | None:
    """The new run's id, or ``None`` when the member has one of this occurrence already."""
    statement = (
        insert(_runs)
        .values(
            id=uuid.uuid4(),
            journey=journey,
            member_id=member_id,
            occurrence=occurrence,
            due_at=window.due_at,
            expires_at=window.expires_at,
            context=context or {},
        )
        .on_conflict_do_nothing(index_elements=["journey", "member_id", "occurrence"])
        .returning(_runs.c.id)
    )
    added: uuid.UUID | None = (await session.execute(statement)).scalar_one_or_none()
    return added


async def add_done(
    session: AsyncSession, journey: str, member_id: uuid.UUID, occurrence: str, reason: str
) -> None:
    """The member's run of the occurrence, skipped for ``reason`` before it was due (one
    already there stays as it is)."""
    now = datetime.now(UTC)
    await session.execute(
        insert(_runs)
        .values(
            id=uuid.uuid4(),
            journey=journey,
            member_id=member_id,
            occurrence=occurrence,
            due_at=now,
            expires_at=now,
            done_at=now,
            outcome="skipped",
            reason=reason,
        )
        .on_conflict_do_nothing(index_elements=["journey", "member_id", "occurrence"])
    )


async def add_after_all(
    session: AsyncSession,
    journey: str,
    member_id: uuid.UUID,
    occurrence: str,
    window: Window,
    purchase_id: uuid.UUID,
) -> uuid.UUID | None:
    """:func:`add` of a run following ``purchase_id``, unless the member has a run of the
    journey due as late or later (a purchase older than one already followed)."""
    later = exists().where(
        _runs.c.journey == journey,
        _runs.c.member_id == member_id,
        _runs.c.due_at >= window.due_at,
    )
    values = select(
        literal(uuid.uuid4()),
        literal(journey, String),
        literal(member_id),
        literal(occurrence, String),
        literal(window.due_at),
        literal(window.expires_at),
        literal(purchase_id),
    ).where(~later)
    statement = (
        insert(_runs)
        .from_select(
            ["id", "journey", "member_id", "occurrence", "due_at", "expires_at", "purchase_id"],
            values,
        )
        .on_conflict_do_nothing(index_elements=["journey", "member_id", "occurrence"])
        .returning(_runs.c.id)
    )
    added: uuid.UUID | None = (await session.execute(statement)).scalar_one_or_none()
    return added


RunOf = tuple[uuid.UUID, str, Window, uuid.UUID]
"""A run to schedule for a member: the member, the occurrence, its window and the purchase
it follows."""


def _unnested(runs: Sequence[RunOf]) -> Any:
    """``runs`` as rows of (id, member_id, occurrence, due_at, expires_at, purchase_id), from
    arrays: the statement is the same however many there are (SQLAlchemy compiles it
    once)."""
    moments = ARRAY(DateTime(timezone=True))
    return (
        func.unnest(
            bindparam("ids", [uuid.uuid4() for _ in runs], type_=ARRAY(Uuid())),
            bindparam("members", [run[0] for run in runs], type_=ARRAY(Uuid())),
            bindparam("occurrences", [run[1] for run in runs], type_=ARRAY(String())),
            bindparam("dues", [run[2].due_at for run in runs], type_=moments),
            bindparam("ends", [run[2].expires_at for run in runs], type_=moments),
            bindparam("purchases", [run[3] for run in runs], type_=ARRAY(Uuid())),
        )
        .table_valued(
            column("id", Uuid()),
            column("member_id", Uuid()),
            column("occurrence", String()),
            column("due_at", DateTime(timezone=True)),
            column("expires_at", DateTime(timezone=True)),
            column("purchase_id", Uuid()),
        )
        .render_derived(name="new")
    )


async def add_many(
    session: AsyncSession, journey: str, runs: Sequence[RunOf], *, after_all: bool = False
) -> None:
    """:func:`add` (or, ``after_all``, :func:`add_after_all`) for many members of
    ``journey`` in one statement: at most one run per member (each member once in
    ``runs``)."""
    if not runs:
        return
    new = _unnested(runs)
    values = select(
        new.c.id,
        literal(journey, String),
        new.c.member_id,
        new.c.occurrence,
        new.c.due_at,
        new.c.expires_at,
        new.c.purchase_id,
    )
    if after_all:
        later = exists().where(
            _runs.c.journey == journey,
            _runs.c.member_id == new.c.member_id,
            _runs.c.due_at >= new.c.due_at,
        )
        values = values.where(~later)
    columns = ["id", "journey", "member_id", "occurrence", "due_at", "expires_at", "purchase_id"]
    await session.execute(
        insert(_runs)
        .from_select(columns, values)
        .on_conflict_do_nothing(index_elements=["journey", "member_id", "occurrence"])
    )


async def drop_pending_before(
    session: AsyncSession, journey: str, due_before: Mapping[uuid.UUID, datetime]
) -> None:
    """:func:`drop_pending` for many members in one statement, each with its own bound."""
    if not due_before:
        return
    bounds = func.unnest(
        bindparam("members", list(due_before), type_=ARRAY(Uuid())),
        bindparam("bounds", list(due_before.values()), type_=ARRAY(DateTime(timezone=True))),
    ).table_valued(column("member_id", Uuid()), column("due_before", DateTime(timezone=True)))
    bounds = bounds.render_derived(name="bounds")
    await session.execute(
        delete(_runs).where(
            _runs.c.journey == journey,
            _runs.c.member_id == bounds.c.member_id,
            _runs.c.done_at.is_(None),
            _runs.c.due_at < bounds.c.due_before,
        )
    )


async def drop_pending(
    session: AsyncSession,
    journey: str,
    member_id: uuid.UUID,
    *,
    due_before: datetime | None,
    occurrence: str | None = None,
) -> int:
    """Deletes the member's runs of ``journey`` not yet done (only those due before
    ``due_before``, and only the one of ``occurrence``, when given); how many."""
    query = delete(_runs).where(
        _runs.c.journey == journey, _runs.c.member_id == member_id, _runs.c.done_at.is_(None)
    )
    if due_before is not None:
        query = query.where(_runs.c.due_at < due_before)
    if occurrence is not None:
        query = query.where(_runs.c.occurrence == occurrence)
    return (await session.execute(query)).rowcount or 0  # type: ignore[attr-defined]


async def remember(
    session: AsyncSession,
    journey: str,
    member_id: uuid.UUID,
    occurrence: str,
    values: dict[str, Any],
) -> bool:
    """Merges ``values`` into the context of the member's pending run of the occurrence;
    whether there was one."""
    result = await session.execute(
        update(_runs)
        .where(
            _runs.c.journey == journey,
            _runs.c.member_id == member_id,
            _runs.c.occurrence == occurrence,
            _runs.c.done_at.is_(None),
        )
        .values(context=_runs.c.context.op("||")(cast(values, JSONB)))
        .returning(_runs.c.id)
    )
    return result.first() is not None


async def add_for_all(
    session: AsyncSession,
    journey: str,
    occurrence: str,
    audience: Select[tuple[uuid.UUID, str | None]],
    *,
    day: date,
    send_at: time,
    brand_zone: str,
    context: dict[str, Any],
) -> int:
    """One run for each member of ``audience`` (member id, timezone name or null: the
    brand's), due at ``send_at`` on ``day`` and expiring at its end, both on each member's
    clocks, in one statement; how many were new."""
    members = audience.subquery()
    zone = func.coalesce(members.c.time_zone, brand_zone)
    due = func.timezone(zone, literal(datetime.combine(day, send_at), DateTime()))
    ends = func.timezone(
        zone, literal(datetime.combine(day + timedelta(days=1), time()), DateTime())
    )
    values = select(
        func.gen_random_uuid(),
        literal(journey, String),
        members.c.member_id,
        literal(occurrence, String),
        due,
        ends,
        cast(context, JSONB),
    )
    statement = (
        insert(_runs)
        .from_select(
            ["id", "journey", "member_id", "occurrence", "due_at", "expires_at", "context"],
            values,
        )
        .on_conflict_do_nothing(index_elements=["journey", "member_id", "occurrence"])
    )
    added: int = (await session.execute(statement)).rowcount  # type: ignore[attr-defined]
    return added


async def claim_due(session: AsyncSession, now: datetime, limit: int) -> list[JourneyRun]:
    """Up to ``limit`` runs due at ``now`` and not done, earliest first, locked; another
    worker skips them."""
    query = (
        select(JourneyRun)
        .where(_runs.c.done_at.is_(None), _runs.c.due_at <= now)
        .order_by(_runs.c.due_at, _runs.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.scalars(query)).all())


async def finish(
    session: AsyncSession, run_id: uuid.UUID, at: datetime, outcome: str, reason: str | None
) -> None:
    await session.execute(
        update(_runs).where(_runs.c.id == run_id).values(done_at=at, outcome=outcome, reason=reason)
    )


async def run(session: AsyncSession, run_id: uuid.UUID, *, lock: bool = False) -> JourneyRun | None:
    query = select(JourneyRun).where(_runs.c.id == run_id)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def pending(
    session: AsyncSession, journey: str, member_id: uuid.UUID, occurrence: str
) -> JourneyRun | None:
    """The member's run of the occurrence when not yet done, locked (the worker skips it
    meanwhile; one the worker holds is waited for and then read done)."""
    query = (
        select(JourneyRun)
        .where(
            _runs.c.journey == journey,
            _runs.c.member_id == member_id,
            _runs.c.occurrence == occurrence,
            _runs.c.done_at.is_(None),
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(query)).first()


async def reschedule(
    session: AsyncSession, run_id: uuid.UUID, window: Window, purchase_id: uuid.UUID
) -> None:
    """Moves the run to ``window``, following ``purchase_id`` from now on."""
    await session.execute(
        update(_runs)
        .where(_runs.c.id == run_id)
        .values(due_at=window.due_at, expires_at=window.expires_at, purchase_id=purchase_id)
    )


async def make_due(session: AsyncSession, run_id: uuid.UUID, at: datetime) -> None:
    await session.execute(update(_runs).where(_runs.c.id == run_id).values(due_at=at))


async def page(
    session: AsyncSession,
    *,
    journey: str | None,
    member_id: uuid.UUID | None,
    state: RunState | None,
    limit: int,
    after: PageKey | None,
) -> list[JourneyRun]:
    """Up to ``limit`` runs, the latest created first, after ``after``."""
    key = (_runs.c.created_at, _runs.c.id)
    query = select(JourneyRun)
    if journey is not None:
        query = query.where(_runs.c.journey == journey)
    if member_id is not None:
        query = query.where(_runs.c.member_id == member_id)
    if state == "scheduled":
        query = query.where(_runs.c.done_at.is_(None))
    elif state is not None:
        query = query.where(_runs.c.outcome == state)
    if after is not None:
        query = query.where(tuple_(*key) < (after.at, after.id))
    query = query.order_by(key[0].desc(), key[1].desc()).limit(limit)
    return list((await session.scalars(query)).all())
