"""Use cases of erasure in analytics. They flush, never commit: the caller owns the
transaction."""

from __future__ import annotations

import uuid

from services.analytics.base import idempotency, inbox, outbox
from services.analytics.privacy import repository
from shared.db import AsyncSession
from shared.events.customer import MemberErased
from shared.privacy import scrub_retained


async def erase(session: AsyncSession, erased: MemberErased) -> None:
    """Applies ``customer.member.erased``: analytics holds no name, phone or email, only
    facts keyed by member id (registration, purchases and returns in fen, tiers, survey
    scores, referrals, CLV fits, campaign cohorts). They are re-keyed to a fresh random
    id that nothing else names, so every KPI, cohort and report of the past stays as it
    was while no row links to the member any more; their tags and saved segments' rows
    (whom to reach) are deleted. What analytics retains about them is scrubbed
    (:func:`shared.privacy.scrub_retained`: outbox rows, dead letters, idempotent
    answers). A redelivery finds nothing left under the member's id."""
    await repository.rekey(session, erased.member_id, uuid.uuid4())
    await repository.untarget(session, erased.member_id)
    await scrub_retained(session, erased.member_id, outbox=outbox, inbox=inbox, keys=idempotency)
