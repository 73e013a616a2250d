"""Survey answers as analytics keeps them: once per ticket, members' only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlmodel import col, select

from services.analytics.facts.models import SurveyAnswer
from shared.db import Sessions
from shared.events import CloudEvent
from shared.events.customer import TicketSurveyed
from tests.analytics import events
from tests.analytics.conftest import Feed, apply

AT = datetime(2026, 11, 2, 3, tzinfo=UTC)


async def _answers(sessions: Sessions, member_id: uuid.UUID) -> list[tuple[int, datetime]]:
    async with sessions() as session:
        rows = await session.scalars(
            select(SurveyAnswer).where(col(SurveyAnswer.member_id) == member_id)
        )
        return sorted((row.score, row.answered_at) for row in rows)


async def test_an_answer_is_kept_once_whatever_its_envelope(
    analytics_sessions: Sessions, handlers: Feed
) -> None:
    member = uuid.uuid4()
    answer = events.surveyed(member, 4, AT)
    again = CloudEvent.of(answer.payload(TicketSurveyed), source="/huiyuan/customer")
    assert again.id != answer.id
    await apply(analytics_sessions, handlers, answer, answer, again)
    assert await _answers(analytics_sessions, member) == [(4, AT)]


async def test_an_anonymous_callers_answer_is_not_kept(
    analytics_sessions: Sessions, handlers: Feed
) -> None:
    payload = events.surveyed(uuid.uuid4(), 1, AT).payload(TicketSurveyed)
    anonymous = payload.model_copy(update={"member_id": None})
    ticket = payload.ticket_id
    await apply(analytics_sessions, handlers, CloudEvent.of(anonymous, source="/huiyuan/customer"))
    async with analytics_sessions() as session:
        assert await session.get(SurveyAnswer, ticket) is None
