"""Use cases of the points digest: add a sale's points to the member's day, and queue the
messages of the days that are over. ``add_points`` flushes (the consumer owns the
transaction); ``send_due`` commits a batch at a time."""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, tzinfo

from services.messaging.contacts.errors import ContactNotKnown
from services.messaging.digests import repository
from services.messaging.digests.models import PointsDigest
from services.messaging.notifications import service as notifications
from shared.crypto import PiiCipher
from shared.db import AsyncSession, Sessions
from shared.jobs import in_batches

log = logging.getLogger(__name__)

BATCH = 200
TRIGGER_PREFIX = "points-digest"


def trigger_id(member_id: uuid.UUID, day: date) -> str:
    """The digest's trigger: one message per member, day and channel, whatever re-runs."""
    return f"{TRIGGER_PREFIX}:{member_id}:{day.isoformat()}"


async def add_points(
    session: AsyncSession,
    member_id: uuid.UUID,
    *,
    points: int,
    balance: int,
    earned_at: datetime,
    zone: tzinfo,
) -> None:
    """Counts a sale's ``points`` (and the ``balance`` after it) into the member's day of
    ``zone`` (the brand's) at ``earned_at``. The caller counts each sale once (the
    consumer: when the sale's notifications are new)."""
    day = earned_at.astimezone(zone).date()
    await repository.add(
        session, member_id, day, points=points, balance=balance, earned_at=earned_at
    )


async def send_due(sessions: Sessions, cipher: PiiCipher, now: datetime, zone: tzinfo) -> int:
    """Queues the ``points_digest`` message of every member's day before today (in
    ``zone``) and forgets the day, a batch per transaction; returns how many days.

    Idempotent by member and day: a re-run finds no forgotten day, and a day's trigger
    (:func:`trigger_id`) notifies each channel once. A member without a contact (never
    expected: their points message needed one) is logged and the day forgotten."""
    today = now.astimezone(zone).date()

    async def step(session: AsyncSession) -> int:
        digests = await repository.claim_before(session, today, BATCH)
        for digest in digests:
            await _tell(session, cipher, digest)
        await repository.remove(session, [(d.member_id, d.day) for d in digests])
        return len(digests)

    return await in_batches(sessions, step, BATCH)


async def _tell(session: AsyncSession, cipher: PiiCipher, digest: PointsDigest) -> None:
    member_id, day = digest.member_id, digest.day
    try:
        await notifications.notify_member(
            session,
            cipher,
            member_id=member_id,
            template="points_digest",
            trigger_event_id=trigger_id(member_id, day),
            context={"points": digest.points, "balance": digest.balance, "day": day},
        )
    except ContactNotKnown:
        log.warning("points digest of %s for %s dropped: no contact", member_id, day)
