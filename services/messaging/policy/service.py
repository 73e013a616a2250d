"""Use cases of the messaging policy: read it (the consumer, once per transaction), set it
(an admin), and lock a member while their marketing is counted. They flush, never commit:
the caller owns the transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.messaging.policy import domain, repository
from services.messaging.policy.domain import Cap, PointsMessage, Policy, QuietHours
from services.messaging.policy.models import MessagingPolicy
from services.messaging.policy.schemas import (
    CapBody,
    MessagingPolicyIn,
    MessagingPolicyOut,
    QuietHoursBody,
)
from shared.db import AsyncSession


def _policy(row: MessagingPolicy | None) -> Policy:
    if row is None:
        return domain.DEFAULT
    quiet = None
    if row.quiet_start is not None and row.quiet_end is not None:
        quiet = QuietHours(row.quiet_start, row.quiet_end)
    cap = None
    if row.cap_messages is not None and row.cap_days is not None:
        cap = Cap(row.cap_messages, row.cap_days)
    return Policy(
        quiet_hours=quiet,
        cap=cap,
        dedupe_hours=row.dedupe_hours,
        points_message=PointsMessage.parse(row.points_message),
        version=row.version,
    )


_SESSION_KEY = "messaging.policy"


async def current(session: AsyncSession) -> Policy:
    """The brand's policy (:data:`domain.DEFAULT` until an admin sets one), as this
    session first read it: a consumer batch reads it once and applies it throughout."""
    cached = session.info.get(_SESSION_KEY)
    if isinstance(cached, Policy):
        return cached
    policy = session.info[_SESSION_KEY] = _policy(await repository.policy(session))
    return policy


async def get_policy(session: AsyncSession) -> MessagingPolicyOut:
    row = await repository.policy(session)
    policy = _policy(row)
    quiet, cap = policy.quiet_hours, policy.cap
    return MessagingPolicyOut(
        quiet_hours=QuietHoursBody(start=quiet.start, end=quiet.end) if quiet else None,
        frequency_cap=CapBody(messages=cap.messages, days=cap.days) if cap else None,
        dedupe_window_hours=policy.dedupe_hours,
        points_message=str(policy.points_message),
        version=policy.version,
        updated_at=row.updated_at if row else None,
        updated_by=row.updated_by if row else None,
    )


async def set_policy(
    session: AsyncSession, body: MessagingPolicyIn, *, by: str
) -> MessagingPolicyOut:
    """Sets the policy for messages queued from now on (what is already deferred keeps its
    time); the same policy again changes nothing (same version)."""
    quiet = QuietHours(body.quiet_hours.start, body.quiet_hours.end) if body.quiet_hours else None
    cap = Cap(body.frequency_cap.messages, body.frequency_cap.days) if body.frequency_cap else None
    now = _policy(await repository.policy(session))
    wanted = Policy(
        quiet, cap, body.dedupe_window_hours, PointsMessage.parse(body.points_message), now.version
    )
    if wanted != now or now.version == 0:
        await repository.set_policy(
            session,
            {
                "quiet_start": quiet.start if quiet else None,
                "quiet_end": quiet.end if quiet else None,
                "cap_messages": cap.messages if cap else None,
                "cap_days": cap.days if cap else None,
                "dedupe_hours": body.dedupe_window_hours,
                "points_message": body.points_message,
                "updated_at": datetime.now(UTC),
                "updated_by": by,
            },
        )
    return await get_policy(session)


async def lock_member(session: AsyncSession, member_id: uuid.UUID) -> None:
    """Holds the member's lock until the transaction ends, so that two consumers counting
    the member's marketing at once cannot both pass a cap."""
    await repository.lock_member(session, member_id)
