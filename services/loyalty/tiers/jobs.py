"""The daily job of tiers: the review of windowed standings at their period's end and the
end of staff's assignments.

:func:`review_due` is the daily job's step (register it on the job runner): it reviews,
in batches of its own transactions, every standing whose period ended or whose manual
assignment ran out by ``now``. Each review moves the standing's ``review_at`` past the
period it reviewed (or clears the assignment), so running it again, or after a crash
mid-run (a batch commits whole or not at all), reviews nothing twice and loses nothing.
A job that did not run for several periods reviews each of them in turn, each against its
own window.
"""

from __future__ import annotations

from datetime import datetime

from services.loyalty.accounts import service as accounts
from services.loyalty.accounts.errors import AccountNotFound
from services.loyalty.base import emit
from services.loyalty.program.domain import Rung, base_tier
from services.loyalty.program.service import Program, locked_program
from services.loyalty.tiers import domain, qualification
from services.loyalty.tiers.domain import Measures, Policy
from services.loyalty.tiers.repository import standings
from services.loyalty.tiers.repository.standings import Placement
from services.loyalty.tiers.service import (
    Standing,
    current_policy,
    standing_from,
    tier_changed,
)
from shared.db import AsyncSession, Sessions, transaction
from shared.events.loyalty import TierChanged
from shared.inputs import input_defaults
from shared.jobs import DailyJob

REVIEW_BATCH = 500
"""Standings reviewed per transaction."""


async def review_due(sessions: Sessions, now: datetime, *, batch: int = REVIEW_BATCH) -> int:
    """Reviews every standing due at ``now`` (aware), ``batch`` per transaction; returns
    how many reviews were made (a standing behind by several periods counts once per
    period). Publishes ``loyalty.tier.changed`` for each tier that changes: ``downgrade``
    (or ``upgrade``) at a review, ``manual`` at the end of an assignment."""
    reviewed = 0
    while True:
        async with transaction(sessions) as session:
            done = await review_batch(session, now, batch)
        if done == 0:  # a standing behind by several periods is due again after a review
            return reviewed
        reviewed += done


async def review_batch(session: AsyncSession, now: datetime, batch: int) -> int:
    """Reviews up to ``batch`` standings due at ``now`` in the caller's transaction (locked
    in member order); returns how many. A run is these batches until one finds none."""
    program = await locked_program(session)
    policy = await current_policy(session)
    rows = await standings.standings_due(session, now, batch)
    placements: list[Placement] = []
    announced: list[TierChanged] = []
    for row in rows:
        standing = standing_from(row)
        placement, changed = await _review(session, program, policy, standing, now)
        placements.append(placement)
        announced += changed
    await standings.place(session, placements)
    await emit(session, *announced)
    return len(rows)


async def _review(
    session: AsyncSession, program: Program, policy: Policy, standing: Standing, now: datetime
) -> tuple[Placement, list[TierChanged]]:
    ladder = program.ladder
    base = base_tier(ladder)
    zone = input_defaults().business_timezone
    if standing.assigned_until is not None and standing.assigned_until <= now:
        reached = await _reached(session, program, policy, standing, now)
        review_at = None if reached.code == base.code else domain.period_end(policy, now, zone)
        placement = Placement(standing.member_id, reached.code, review_at, 0, None)
        if reached.code == standing.tier_code:
            return placement, []
        return placement, [tier_changed(standing, ladder, reached, "manual", review_at=review_at)]
    assert standing.review_at is not None
    at = standing.review_at
    if not policy.windowed:  # the policy went back to lifetime: nothing to review
        return Placement(standing.member_id, standing.tier_code, None, 0, None), []
    reached = await _reached(session, program, policy, standing, at)
    outcome = domain.review(ladder, policy, standing.tier_code, standing.grace_used, reached)
    next_at = None if outcome.tier.code == base.code else domain.period_end(policy, at, zone)
    placement = Placement(standing.member_id, outcome.tier.code, next_at, outcome.grace_used, None)
    if not outcome.changed:
        return placement, []
    return placement, [tier_changed(standing, ladder, outcome.tier, review_at=next_at)]


async def _reached(
    session: AsyncSession, program: Program, policy: Policy, standing: Standing, end: datetime
) -> Rung:
    """The tier the standing's measures reach in the window ending at ``end``: the
    member's own, and in a household the household's too
    (:func:`~services.loyalty.tiers.qualification.reached_now`). A member without an
    account has no purchases."""
    try:
        account = await accounts.account_of(session, standing.member_id)
    except AccountNotFound:
        return domain.tier_reached(program.ladder, policy, Measures(0, 0))
    return await qualification.reached_now(
        session, program.ladder, policy, standing, account.account_id, end
    )


DAILY: tuple[DailyJob, ...] = (DailyJob("tiers.review", review_due),)
"""Registered on loyalty's daily job runner (``services.loyalty.main``): the period-end
reviews and the ends of manual assignments, at the start of each of the brand's days."""
