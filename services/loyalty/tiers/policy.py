"""The tier qualification policy, read and replaced. A change holds the program
``FOR UPDATE`` (no point change runs under it). Use cases flush, never commit."""

from __future__ import annotations

from datetime import UTC, datetime

from services.loyalty.program import service as program
from services.loyalty.program.domain import base_tier
from services.loyalty.tiers import domain
from services.loyalty.tiers.domain import Policy
from services.loyalty.tiers.errors import InvalidTierPolicy
from services.loyalty.tiers.repository import policies, standings
from services.loyalty.tiers.schemas import (
    TierPolicyIn,
    TierPolicyOut,
)
from shared.db import AsyncSession
from shared.inputs import input_defaults


def _policy_out(policy: Policy, updated_at: datetime) -> TierPolicyOut:
    return TierPolicyOut(
        qualify_by=policy.qualify_by,
        window=policy.window,
        window_months=policy.window_months,
        grace_periods=policy.grace_periods,
        purchase_thresholds=dict(policy.purchase_thresholds),
        updated_at=updated_at,
    )


async def get_policy(session: AsyncSession) -> TierPolicyOut:
    return _policy_out(await policies.policy(session), await policies.policy_updated_at(session))


async def set_policy(session: AsyncSession, data: TierPolicyIn) -> TierPolicyOut:
    """Replaces the policy. A change of window (kind or length) reschedules the review of
    every standing above the base tier to the end of the first period under the new window
    counted from now (none under lifetime) and restores their grace; nobody is placed
    anew at once: purchases promote from now on, reviews demote at period ends.

    Raises :class:`InvalidTierPolicy` (422)."""
    await program.locked_for_change(session)
    ladder = await program.current_ladder(session)
    policy = Policy(
        qualify_by=data.qualify_by,
        window=data.window,
        window_months=data.window_months,
        grace_periods=data.grace_periods,
        purchase_thresholds=dict(data.purchase_thresholds),
    )
    problems = domain.check_policy(policy, ladder)
    if problems:
        raise InvalidTierPolicy("The tier policy is invalid: " + "; ".join(problems))
    previous = await policies.policy(session)
    updated_at = await policies.save_policy(session, policy)
    if (previous.window, previous.window_months) != (policy.window, policy.window_months):
        base = base_tier(ladder)
        zone = input_defaults().business_timezone
        review_at = domain.period_end(policy, datetime.now(UTC), zone)
        above = [rung.code for rung in ladder if rung.code != base.code]
        await standings.set_reviews(session, review_at, tiers=above)
    return _policy_out(policy, updated_at)
