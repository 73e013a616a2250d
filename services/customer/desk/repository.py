"""Queries of the service desk's tables."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, extract, or_, tuple_
from sqlmodel import col, select

from services.customer.desk.domain import OPEN, Filters, State
from services.customer.desk.models import Ticket, TicketChange, TicketEscalation
from services.customer.members.models import Member
from shared.db import AsyncSession
from shared.pagination import PageKey


async def get(session: AsyncSession, ticket_id: uuid.UUID, *, lock: bool = False) -> Ticket | None:
    """The ticket; with ``lock``, its row held until the transaction ends, so two actions
    on one ticket queue up and the second sees the state the first left."""
    query = select(Ticket).where(Ticket.id == ticket_id)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


def record(
    session: AsyncSession,
    ticket: Ticket,
    action: str,
    before: State | None,
    actor: str,
    at: datetime,
    detail: str | None = None,
) -> None:
    """A line of the ticket's history: ``action`` by ``actor`` took it from ``before``
    (``None``: it was recorded) to the state it has now (the same for a note such as an
    escalation or a survey answer)."""
    session.add(
        TicketChange(
            ticket_id=ticket.id,
            action=action,
            from_state=before,
            to_state=ticket.state,
            actor=actor,
            detail=detail,
            at=at,
        )
    )


def _where(filters: Filters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.state is not None:
        where.append(col(Ticket.state) == filters.state)
    if filters.kind is not None:
        where.append(col(Ticket.kind) == filters.kind)
    if filters.assignee is not None:
        where.append(col(Ticket.assignee) == filters.assignee)
    if filters.member_id is not None:
        where.append(col(Ticket.member_id) == filters.member_id)
    if filters.overdue_at is not None:
        where.append(col(Ticket.state).in_(OPEN))
        where.append(col(Ticket.due_at) < filters.overdue_at)
    if filters.not_overdue_at is not None:
        where.append(
            or_(col(Ticket.state).not_in(OPEN), col(Ticket.due_at) >= filters.not_overdue_at)
        )
    if filters.store_id is not None:
        where.append(col(Ticket.store_id) == filters.store_id)
    if filters.escalated is not None:
        escalated = col(Ticket.escalated_at)
        where.append(escalated.is_not(None) if filters.escalated else escalated.is_(None))
    return where


async def page(
    session: AsyncSession, filters: Filters, limit: int, after: PageKey | None
) -> list[Ticket]:
    """Up to ``limit`` tickets that pass ``filters``, in recording order after ``after``."""
    query = (
        select(Ticket)
        .where(*_where(filters))
        .order_by(col(Ticket.created_at), col(Ticket.id))
        .limit(limit)
    )
    if after is not None:
        query = query.where(tuple_(Ticket.created_at, Ticket.id) > (after.at, after.id))
    return list((await session.scalars(query)).all())


async def history(
    session: AsyncSession, ticket_id: uuid.UUID, limit: int, after: int | None
) -> list[TicketChange]:
    query = (
        select(TicketChange)
        .where(TicketChange.ticket_id == ticket_id)
        .order_by(col(TicketChange.seq))
        .limit(limit)
    )
    if after is not None:
        query = query.where(col(TicketChange.seq) > after)
    return list((await session.scalars(query)).all())


async def claim_due_escalations(
    session: AsyncSession, now: datetime, limit: int
) -> list[TicketEscalation]:
    """Up to ``limit`` escalations due by ``now`` and not done, locked for this transaction;
    those another worker holds are skipped."""
    query = (
        select(TicketEscalation)
        .where(col(TicketEscalation.due_at) <= now, col(TicketEscalation.done_at).is_(None))
        .order_by(col(TicketEscalation.due_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.scalars(query)).all())


async def follow_ups_due(
    session: AsyncSession, assignee: str, by: datetime, limit: int
) -> list[Ticket]:
    """Resolved tickets of ``assignee`` whose follow-up is due by ``by``, soonest first."""
    query = (
        select(Ticket)
        .where(
            col(Ticket.assignee) == assignee,
            col(Ticket.state) == "resolved",
            col(Ticket.follow_up_due_at) <= by,
        )
        .order_by(col(Ticket.follow_up_due_at), col(Ticket.id))
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


def _month_day(day: date) -> int:
    return day.month * 100 + day.day


async def birthdays_of_holders(
    session: AsyncSession, assignee: str, days: Sequence[date], limit: int
) -> list[tuple[Member, int]]:
    """Members with a ticket ``assignee`` holds (not closed) whose birthday falls on one of
    ``days`` (month and day), with that ``MMDD``."""
    month_day = extract("month", col(Member.birthday)) * 100 + extract("day", col(Member.birthday))
    wanted = {_month_day(day) for day in days}
    held = (
        select(Ticket.member_id)
        .where(col(Ticket.assignee) == assignee, col(Ticket.state) != "closed")
        .distinct()
    )
    query = (
        select(Member, month_day)
        .where(
            col(Member.id).in_(held),
            and_(col(Member.birthday).is_not(None), or_(*(month_day == w for w in wanted))),
        )
        .order_by(col(Member.id))
        .limit(limit)
    )
    return [(member, int(md)) for member, md in await session.execute(query)]
