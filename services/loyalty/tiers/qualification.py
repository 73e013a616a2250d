"""Tier qualification after purchases, returns and household moves. Use cases flush,
never commit.

A member's own measures are their own purchases wherever they earned (under the lifetime
policy the spend is their running ``qualifying_spend_fen``). A household's measures are
those of the purchases credited to its account: every holder's qualifying purchases made
while a holder, net of returns (a member's purchases from before they joined stay theirs
alone). A holder reaches the higher of the tiers their own and the household's measures
reach, so joining never costs a member the tier their purchases keep, and the holders
follow the household's tier:

- a purchase by any holder that takes the household to a tier promotes every holder below
  it; under the lifetime policy a return that takes it below a tier demotes every holder
  whose own measures do not keep them there (under a window the review decides);
- joining promotes the joiner to the household's tier if it is higher;
- leaving places the member by their own measures again: a higher tier at once, a lower
  one at once under the lifetime policy and at their period's review under a window;
- the daily review measures a holder the same way (:mod:`services.loyalty.tiers.jobs`).

Every path that changes several holders' standings locks them in member order, the order
the review locks standings in, after the household's account.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from services.loyalty.accounts.pools import service as pools
from services.loyalty.accounts.service import Along
from services.loyalty.base import emit
from services.loyalty.program.domain import Rung
from services.loyalty.program.service import locked_program
from services.loyalty.tiers import domain
from services.loyalty.tiers.domain import Measures, Policy
from services.loyalty.tiers.repository import spend, standings
from services.loyalty.tiers.repository.standings import Placement
from services.loyalty.tiers.service import (
    Standing,
    current_policy,
    locked_standing,
    standing_from,
    tier_changed,
)
from shared.db import AsyncSession
from shared.events.loyalty import TierChanged
from shared.events.orders import PurchaseCompleted
from shared.inputs import input_defaults


async def own_measures(
    session: AsyncSession, policy: Policy, standing: Standing, end: datetime | None
) -> Measures:
    """The member's own measures in the window ending at ``end`` (lifetime: all, the spend
    being their running qualifying spend)."""
    if policy.windowed:
        assert end is not None
        start = domain.window_start(policy, end, input_defaults().business_timezone)
        return await spend.member_measures(session, standing.member_id, start, end)
    if not policy.counts_purchases:
        return Measures(standing.qualifying_spend_fen, 0)
    counted = await spend.member_measures(session, standing.member_id, None, None)
    return Measures(standing.qualifying_spend_fen, counted.purchases)


async def household_measures(
    session: AsyncSession, policy: Policy, account_id: uuid.UUID, end: datetime | None
) -> Measures:
    """The measures of the purchases credited to the household's account in the window
    ending at ``end`` (lifetime: all)."""
    start = (
        domain.window_start(policy, end, input_defaults().business_timezone)
        if policy.windowed and end is not None
        else None
    )
    return await spend.measures(session, account_id, start, end if policy.windowed else None)


def higher(ladder: Sequence[Rung], reached: Rung, other: Rung | None) -> Rung:
    """The higher of two tiers reached (``other`` None: ``reached``)."""
    if other is None:
        return reached
    return other if domain.rank(ladder, other.code) > domain.rank(ladder, reached.code) else reached


async def household_account(session: AsyncSession, account_id: uuid.UUID) -> bool:
    """Whether the account is a household's (its holders are household members)."""
    return bool(await pools.holders(session, account_id, household=True))


@dataclass(frozen=True)
class Holders:
    """The standings a purchase or a return on an account may move, locked."""

    member: Standing
    """The buyer's."""
    others: tuple[Standing, ...] | None
    """The account's household holders other than the buyer; None for an account that is
    not a household's."""
    holds: bool
    """Whether the buyer holds the account (a return may land on a household the buyer
    left since)."""


async def locked_holders(
    session: AsyncSession,
    member_id: uuid.UUID,
    account_id: uuid.UUID,
    ladder: Sequence[Rung],
    *,
    own: bool = False,
) -> Holders:
    """The member's standing (opened if they are new) and, if ``account_id`` is a
    household's, its holders', all locked in member order. Call it where a purchase or a
    return would lock the member's standing. ``own``: the caller knows the account is the
    member's own (a purchase's, not through a household), which saves the look-up."""
    holders = [] if own else await pools.holders(session, account_id, household=True)
    if not holders:
        return Holders(await locked_standing(session, member_id, ladder), None, holds=True)
    ids = sorted({h.member_id for h in holders} | {member_id})
    rows = await standings.locked_standings(session, ids)
    theirs = next((row for row in rows if row.member_id == member_id), None)
    standing = (
        standing_from(theirs) if theirs else await locked_standing(session, member_id, ladder)
    )
    others = tuple(standing_from(row) for row in rows if row.member_id != member_id)
    return Holders(standing, others, holds=any(h.member_id == member_id for h in holders))


@dataclass(frozen=True)
class Requalified:
    """Standings after a purchase or a return: what to write and what to announce."""

    after: Standing
    qualifying: Along | None
    """The write of the qualifying purchase (a purchase's record, a return's refund)."""
    change: TierChanged | None
    followers: tuple[tuple[Standing, TierChanged], ...] = ()
    """Other holders of the household moved with it, each with its event."""

    @property
    def along(self) -> tuple[Along, ...]:
        """The writes of the new standings and the qualifying purchase, to send with the
        points movement."""
        saves = tuple(_save(s) for s in (self.after, *(s for s, _ in self.followers)))
        return (*saves, self.qualifying) if self.qualifying else saves

    @property
    def changes(self) -> list[TierChanged]:
        return ([self.change] if self.change else []) + [c for _, c in self.followers]


def _save(standing: Standing) -> Along:
    return standings.save(
        member_id=standing.member_id,
        tier_code=standing.tier_code,
        spend_fen=standing.qualifying_spend_fen,
        review_at=standing.review_at,
        grace_used=standing.grace_used,
        assigned_until=standing.assigned_until,
    )


def _promoted(
    standing: Standing, ladder: Sequence[Rung], to: Rung, policy: Policy, at: datetime
) -> tuple[Standing, TierChanged]:
    """The standing promoted to ``to`` at ``at`` (a promotion ends a manual assignment;
    under a window it is reviewed at the end of the period ``at`` falls in)."""
    zone = input_defaults().business_timezone
    moved = replace(
        standing,
        tier_code=to.code,
        review_at=domain.period_end(policy, at, zone),
        grace_used=0,
        assigned_until=None,
    )
    return moved, tier_changed(standing, ladder, to, review_at=moved.review_at)


def _demoted(standing: Standing, ladder: Sequence[Rung], to: Rung) -> tuple[Standing, TierChanged]:
    moved = replace(standing, tier_code=to.code, review_at=None, grace_used=0)
    return moved, tier_changed(standing, ladder, to)


async def after_purchase(
    session: AsyncSession,
    holders: Holders,
    ladder: Sequence[Rung],
    account_id: uuid.UUID,
    purchase: PurchaseCompleted,
) -> Requalified:
    """The standings with a purchase counted: the buyer's lifetime spend grows, and a tier
    the buyer's measures (their own or, in a household, the household's with this
    purchase) reach above their tier promotes at once (``change`` upgrade); ``others``,
    the household's other holders, are promoted to the tier the household reaches if they
    are below it.

    Raises :class:`~services.loyalty.tiers.errors.QualifyingSpendLimitReached` (422)."""
    standing, others = holders.member, holders.others
    policy = await current_policy(session)
    lifetime_spend = domain.spend_after_purchase(standing.qualifying_spend_fen, purchase.total_fen)
    counted = 1 if purchase.total_fen > 0 else 0
    end = purchase.purchased_at + timedelta(microseconds=1) if policy.windowed else None
    after = replace(standing, qualifying_spend_fen=lifetime_spend)
    own = await own_measures(session, policy, after, end)
    own = Measures(own.spend_fen + (purchase.total_fen if policy.windowed else 0), own.purchases)
    own = Measures(own.spend_fen, own.purchases + counted if policy.counts_purchases else 0)
    by_household = None
    if others is not None:
        before = await household_measures(session, policy, account_id, end)
        together = Measures(before.spend_fen + purchase.total_fen, before.purchases + counted)
        by_household = domain.tier_reached(ladder, policy, together)
    reached = higher(ladder, domain.tier_reached(ladder, policy, own), by_household)
    promoted = domain.promotion(ladder, standing.tier_code, reached)
    change = None
    if promoted is not None:
        after, change = _promoted(after, ladder, promoted, policy, purchase.purchased_at)
    followers = []
    for other in others or ():
        assert by_household is not None
        if domain.promotion(ladder, other.tier_code, by_household) is not None:
            followers.append(_promoted(other, ladder, by_household, policy, purchase.purchased_at))
    recorded = spend.record_qualifying(
        purchase_id=purchase.purchase_id,
        account_id=account_id,
        member_id=purchase.member_id,
        purchased_at=purchase.purchased_at,
        total_fen=purchase.total_fen,
    )
    return Requalified(after, recorded, change, tuple(followers))


async def after_return(
    session: AsyncSession,
    holders: Holders,
    ladder: Sequence[Rung],
    account_id: uuid.UUID,
    purchase_id: uuid.UUID,
    returned_fen: int,
) -> Requalified:
    """The standings with ``returned_fen`` of a purchase given back (``account_id``: the
    account the points come back from, a household's or the member's own): the lifetime
    spend shrinks; under the lifetime policy a lower tier follows at once for the member
    (unless staff's assignment lasts) and, when the purchase was the household's, for each
    holder neither measures keep where they are (``change`` downgrade). Under a window
    nothing moves until the review."""
    standing, others = holders.member, holders.others
    policy = await current_policy(session)
    after = replace(standing, qualifying_spend_fen=standing.qualifying_spend_fen - returned_fen)
    qualifying = await spend.qualifying_purchase(session, purchase_id)
    counted = (
        spend.count_returned(purchase_id=purchase_id, returned_fen=returned_fen)
        if qualifying is not None and returned_fen > 0
        else None
    )
    if policy.windowed:
        return Requalified(after, counted, None)
    no_longer = int(
        qualifying is not None
        and qualifying.returned_fen < qualifying.total_fen <= qualifying.returned_fen + returned_fen
    )
    own = await own_measures(session, policy, after, None)
    own = Measures(own.spend_fen, own.purchases - no_longer if policy.counts_purchases else 0)
    by_household = None
    if others is not None:
        now = await household_measures(session, policy, account_id, None)
        theirs = qualifying is not None and qualifying.account_id == account_id
        less = Measures(returned_fen, no_longer) if theirs else Measures(0, 0)
        together = Measures(now.spend_fen - less.spend_fen, now.purchases - less.purchases)
        by_household = domain.tier_reached(ladder, policy, together)
    change = None
    if standing.assigned_until is None:
        mine = domain.tier_reached(ladder, policy, own)
        reached = higher(ladder, mine, by_household if holders.holds else None)
        demoted = domain.demotion(ladder, standing.tier_code, reached)
        if demoted is not None:
            after, change = _demoted(after, ladder, demoted)
    followers = []
    for other in others or ():
        if other.assigned_until is not None:
            continue
        mine = domain.tier_reached(ladder, policy, await own_measures(session, policy, other, None))
        demoted = domain.demotion(ladder, other.tier_code, higher(ladder, mine, by_household))
        if demoted is not None:
            followers.append(_demoted(other, ladder, demoted))
    return Requalified(after, counted, change, tuple(followers))


async def after_joining(session: AsyncSession, member_id: uuid.UUID, account_id: uuid.UUID) -> None:
    """The member now holds the household's account: promoted to the tier the household's
    measures reach if it is above theirs (``loyalty.tier.changed``). Joining never
    demotes. Call it after the member's account is pooled."""
    ladder = (await locked_program(session)).ladder
    policy = await current_policy(session)
    standing = await locked_standing(session, member_id, ladder)
    now = datetime.now(UTC)
    together = await household_measures(session, policy, account_id, now)
    promoted = domain.promotion(
        ladder, standing.tier_code, domain.tier_reached(ladder, policy, together)
    )
    if promoted is not None:
        await _place(session, *_promoted(standing, ladder, promoted, policy, now))


async def after_leaving(session: AsyncSession, member_id: uuid.UUID) -> None:
    """The member holds their own account again and is measured by their own purchases: a
    tier they reach above theirs at once; under the lifetime policy a lower one at once
    too (unless staff's assignment lasts); under a window a lower one waits for their
    review. Publishes ``loyalty.tier.changed`` when the tier changes."""
    ladder = (await locked_program(session)).ladder
    policy = await current_policy(session)
    standing = await locked_standing(session, member_id, ladder)
    now = datetime.now(UTC)
    reached = domain.tier_reached(
        ladder, policy, await own_measures(session, policy, standing, now)
    )
    promoted = domain.promotion(ladder, standing.tier_code, reached)
    if promoted is not None:
        await _place(session, *_promoted(standing, ladder, promoted, policy, now))
        return
    if policy.windowed or standing.assigned_until is not None:
        return
    demoted = domain.demotion(ladder, standing.tier_code, reached)
    if demoted is not None:
        await _place(session, *_demoted(standing, ladder, demoted))


async def _place(session: AsyncSession, standing: Standing, change: TierChanged) -> None:
    await standings.place(
        session,
        [
            Placement(
                standing.member_id,
                standing.tier_code,
                standing.review_at,
                standing.grace_used,
                standing.assigned_until,
            )
        ],
    )
    await emit(session, change)


async def reached_now(
    session: AsyncSession,
    ladder: Sequence[Rung],
    policy: Policy,
    standing: Standing,
    account_id: uuid.UUID | None,
    end: datetime,
) -> Rung:
    """The tier the member's measures reach in the window ending at ``end``: their own,
    or in a household the higher of theirs and the household's (``account_id``: the
    account they hold; None: none)."""
    reached = domain.tier_reached(
        ladder, policy, await own_measures(session, policy, standing, end)
    )
    if account_id is None or not await household_account(session, account_id):
        return reached
    together = await household_measures(session, policy, account_id, end)
    return higher(ladder, reached, domain.tier_reached(ladder, policy, together))
