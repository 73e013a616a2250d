"""The satisfaction survey of a resolved ticket: the member's answer, recorded once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.customer.base import emit
from services.customer.desk import domain, repository
from services.customer.desk.errors import SurveyAnswered, SurveyNotOpen
from services.customer.desk.models import Ticket
from services.customer.desk.schemas import SurveyAnswer
from services.customer.desk.service import get_ticket
from shared.crypto import PiiCipher
from shared.db import AsyncSession
from shared.events.customer import TicketSurveyed


async def answer(
    session: AsyncSession,
    cipher: PiiCipher,
    ticket_id: uuid.UUID,
    actor: str,
    data: SurveyAnswer,
    *,
    member_id: uuid.UUID | None = None,
) -> Ticket:
    """Records the survey's score (1-5) and comment and publishes
    ``customer.ticket.surveyed``. ``member_id``: the answer comes with that member's token
    (only their own tickets). Raises :class:`TicketNotFound` (404), :class:`SurveyNotOpen`
    (409: not resolved yet, or no member to ask) and :class:`SurveyAnswered` (409)."""
    ticket = await get_ticket(session, ticket_id, member_id=member_id, lock=True)
    if ticket.resolved_at is None or ticket.member_id is None:
        raise SurveyNotOpen(
            f"Ticket {ticket_id} has no survey: it is not resolved, or has no member"
        )
    if ticket.survey_score is not None:
        raise SurveyAnswered(f"The survey of ticket {ticket_id} was answered already")
    now = datetime.now(UTC)
    ticket.survey_score = data.score
    ticket.survey_comment_encrypted = cipher.encrypt(data.comment) if data.comment else None
    ticket.surveyed_at = now
    ticket.updated_at = now
    repository.record(
        session, ticket, "survey", domain.ticket_state(ticket.state), actor, now, str(data.score)
    )
    await emit(
        session,
        TicketSurveyed(
            ticket_id=ticket.id,
            member_id=ticket.member_id,
            kind=domain.ticket_kind(ticket.kind),
            priority=domain.ticket_priority(ticket.priority),
            score=data.score,
            answered_at=now,
        ),
    )
    return ticket
