"""Use cases of the service desk: record a ticket, move it through its states, read and
list tickets. They flush, never commit: the caller owns the transaction.

Every action locks the ticket's row, checks the move (:func:`domain.next_state`), writes
the ticket, one history row (who, when, from which state to which) and its event, all in
the caller's transaction. A ticket's free text is encrypted before it is stored.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from services.customer.base import emit
from services.customer.config import Settings
from services.customer.desk import domain, repository
from services.customer.desk.domain import Action
from services.customer.desk.errors import TicketMemberUnknown, TicketNotFound
from services.customer.desk.models import Ticket, TicketEscalation
from services.customer.desk.schemas import (
    TicketChangeOut,
    TicketCreate,
    TicketHistory,
    TicketListItem,
    TicketOut,
    TicketPage,
)
from services.customer.desk.sla.domain import (
    FOLLOW_UP_HOURS,
    BusinessHours,
    country_calendar,
    sla_budget,
)
from services.customer.members import service as members
from shared.auth import ensure_store_access, store_scope
from shared.crypto import PiiCipher
from shared.db import AsyncSession
from shared.errors import Unprocessable
from shared.events.customer import TicketResolved
from shared.pagination import PageKey, encode_cursor
from shared.tokens import Principal


def business_hours(settings: Settings) -> BusinessHours:
    """The desk's hours from the settings (zone, opening, closing, holiday country)."""
    return BusinessHours(
        zone=ZoneInfo(settings.business_timezone),
        opens=settings.desk_opens,
        closes=settings.desk_closes,
        working_day=country_calendar(settings.desk_holiday_country),
    )


def _now() -> datetime:
    return datetime.now(UTC)


async def open_ticket(
    session: AsyncSession,
    settings: Settings,
    cipher: PiiCipher,
    data: TicketCreate,
    actor: str,
) -> Ticket:
    """Records a ticket, due ``sla_budget(kind, priority)`` of business hours from now,
    and schedules its escalation for that instant.

    Raises :class:`TicketMemberUnknown` (422, ``member_id``) for an unknown or erased
    member.
    """
    if data.member_id is not None and not await members.is_present(session, data.member_id):
        raise TicketMemberUnknown(f"No member with id {data.member_id}", field="member_id")
    now = _now()
    ticket = Ticket(
        kind=data.kind,
        channel=data.channel,
        priority=data.priority,
        state="recorded",
        member_id=data.member_id,
        store_id=data.store_id,
        description_encrypted=cipher.encrypt(data.description),
        recorded_by=actor,
        due_at=business_hours(settings).due_at(now, sla_budget(data.kind, data.priority)),
        created_at=now,
        updated_at=now,
    )
    session.add(ticket)
    await session.flush()
    session.add(TicketEscalation(ticket_id=ticket.id, due_at=ticket.due_at))
    repository.record(session, ticket, "record", None, actor, now)
    return ticket


async def get_ticket(
    session: AsyncSession,
    ticket_id: uuid.UUID,
    *,
    member_id: uuid.UUID | None = None,
    lock: bool = False,
) -> Ticket:
    """The ticket; with ``member_id`` (a member token), only that member's.
    Raises :class:`TicketNotFound` (404)."""
    ticket = await repository.get(session, ticket_id, lock=lock)
    if ticket is None or (member_id is not None and ticket.member_id != member_id):
        raise TicketNotFound(f"No ticket with id {ticket_id}", field="ticket_id", where="path")
    return ticket


async def ensure_in_store_scope(
    session: AsyncSession, ticket_id: uuid.UUID, principal: Principal
) -> None:
    """A manager scoped to a store reaches the tickets of that store only: raises
    ``Forbidden`` (403) for another's or a ticket of no store, :class:`TicketNotFound`
    (404); anyone else passes without a read."""
    if store_scope(principal) is not None:
        ticket = await get_ticket(session, ticket_id)
        ensure_store_access(principal, ticket.store_id)


async def _move(
    session: AsyncSession,
    ticket_id: uuid.UUID,
    action: Action,
    actor: str,
    *,
    valid: bool = True,
    detail: str | None = None,
) -> tuple[Ticket, datetime]:
    ticket = await get_ticket(session, ticket_id, lock=True)
    before = domain.ticket_state(ticket.state)
    ticket.state = domain.next_state(before, action, valid=valid)
    now = _now()
    ticket.updated_at = now
    repository.record(session, ticket, action, before, actor, now, detail)
    return ticket, now


async def judge(
    session: AsyncSession,
    cipher: PiiCipher,
    ticket_id: uuid.UUID,
    actor: str,
    *,
    valid: bool,
    reason: str | None,
) -> Ticket:
    """Judges a recorded ticket valid (judged) or invalid (closed, ``reason`` required).
    Raises :class:`TicketNotFound` (404), :class:`WrongState` (409), 422 naming ``reason``."""
    if not valid and reason is None:
        raise Unprocessable("A ticket judged invalid needs a reason", field="reason")
    ticket, _ = await _move(session, ticket_id, "judge", actor, valid=valid)
    if not valid and reason is not None:
        ticket.invalid_reason_encrypted = cipher.encrypt(reason)
    return ticket


async def assign(session: AsyncSession, ticket_id: uuid.UUID, actor: str, assignee: str) -> Ticket:
    """Assigns (or reassigns) a judged ticket to the staff login ``assignee``.
    Raises :class:`TicketNotFound` (404), :class:`WrongState` (409)."""
    ticket, _ = await _move(session, ticket_id, "assign", actor, detail=assignee)
    ticket.assignee = assignee
    return ticket


async def resolve(
    session: AsyncSession,
    settings: Settings,
    cipher: PiiCipher,
    ticket_id: uuid.UUID,
    actor: str,
    resolution: str,
) -> Ticket:
    """Resolves an assigned ticket (it will not escalate any more), its follow-up due
    ``FOLLOW_UP_HOURS`` business hours later, and ``customer.ticket.resolved`` is
    published (messaging sends the member a survey). Raises :class:`TicketNotFound` (404),
    :class:`WrongState` (409)."""
    ticket, now = await _move(session, ticket_id, "resolve", actor)
    ticket.resolution_encrypted = cipher.encrypt(resolution)
    ticket.resolved_at = now
    ticket.follow_up_due_at = business_hours(settings).due_at(now, timedelta(hours=FOLLOW_UP_HOURS))
    await emit(
        session,
        TicketResolved(
            ticket_id=ticket.id,
            member_id=ticket.member_id,
            kind=domain.ticket_kind(ticket.kind),
            priority=domain.ticket_priority(ticket.priority),
            number=ticket.number or 0,
            resolved_at=now,
            overdue=now > ticket.due_at,
        ),
    )
    return ticket


async def follow_up(
    session: AsyncSession, cipher: PiiCipher, ticket_id: uuid.UUID, actor: str, note: str
) -> Ticket:
    """Records the follow-up call (跟踪服务) of a resolved ticket.
    Raises :class:`TicketNotFound` (404), :class:`WrongState` (409)."""
    ticket, _ = await _move(session, ticket_id, "follow_up", actor)
    ticket.follow_up_note_encrypted = cipher.encrypt(note)
    return ticket


async def close(session: AsyncSession, ticket_id: uuid.UUID, actor: str) -> Ticket:
    """Closes a followed-up ticket. Raises :class:`TicketNotFound` (404),
    :class:`WrongState` (409)."""
    ticket, _ = await _move(session, ticket_id, "close", actor)
    return ticket


async def list_tickets(
    session: AsyncSession, filters: domain.Filters, limit: int, after: PageKey | None
) -> TicketPage:
    """Up to ``limit`` tickets passing ``filters`` in recording order after ``after``."""
    tickets = await repository.page(session, filters, limit + 1, after)
    last = tickets[limit - 1] if len(tickets) > limit else None
    now = _now()
    return TicketPage(
        items=[to_list_item(t, now) for t in tickets[:limit]],
        next_cursor=encode_cursor(last.created_at, last.id) if last else None,
    )


async def history(
    session: AsyncSession,
    ticket_id: uuid.UUID,
    limit: int,
    after: int | None,
    member_id: uuid.UUID | None = None,
) -> TicketHistory:
    """The ticket's changes, oldest first, ``limit`` at a time after position ``after``."""
    await get_ticket(session, ticket_id, member_id=member_id)
    changes = await repository.history(session, ticket_id, limit + 1, after)
    last = changes[limit - 1] if len(changes) > limit else None
    return TicketHistory(
        items=[
            TicketChangeOut(
                action=c.action,
                from_state=domain.ticket_state(c.from_state) if c.from_state else None,
                to_state=domain.ticket_state(c.to_state),
                actor=c.actor,
                detail=c.detail,
                at=c.at,
            )
            for c in changes[:limit]
        ],
        next_cursor=str(last.seq) if last else None,
    )


def _fields(ticket: Ticket, now: datetime) -> dict[str, object]:
    return {
        "id": ticket.id,
        "number": ticket.number,
        "kind": ticket.kind,
        "channel": ticket.channel,
        "priority": ticket.priority,
        "state": ticket.state,
        "member_id": ticket.member_id,
        "store_id": ticket.store_id,
        "assignee": ticket.assignee,
        "due_at": ticket.due_at,
        "overdue": ticket.state in domain.OPEN and now > ticket.due_at,
        "escalated_at": ticket.escalated_at,
        "created_at": ticket.created_at,
    }


def to_list_item(ticket: Ticket, now: datetime) -> TicketListItem:
    return TicketListItem.model_validate(_fields(ticket, now))


def to_out(cipher: PiiCipher, ticket: Ticket) -> TicketOut:
    def clear(value: str | None) -> str | None:
        return cipher.decrypt(value) if value is not None else None

    return TicketOut.model_validate(
        _fields(ticket, _now())
        | {
            "description": cipher.decrypt(ticket.description_encrypted),
            "invalid_reason": clear(ticket.invalid_reason_encrypted),
            "resolution": clear(ticket.resolution_encrypted),
            "follow_up_note": clear(ticket.follow_up_note_encrypted),
            "follow_up_due_at": ticket.follow_up_due_at,
            "escalated_to": ticket.escalated_to,
            "resolved_at": ticket.resolved_at,
            "survey_score": ticket.survey_score,
            "survey_comment": clear(ticket.survey_comment_encrypted),
            "updated_at": ticket.updated_at,
        }
    )
