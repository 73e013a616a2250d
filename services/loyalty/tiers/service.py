"""Tier standing: a member's tier, qualification, promotion, demotion, TierChanged.

Standings change with purchases, returns and household moves
(:mod:`services.loyalty.tiers.qualification`), when the ladder is replaced, at the review at a
period's end (:mod:`services.loyalty.tiers.jobs`) and by staff (:func:`assign`). Every
change holds the program row (``FOR SHARE``, or ``FOR UPDATE`` when the program changes),
so a standing never moves on a ladder or policy that is being replaced. Use cases flush,
never commit.

Qualification follows the tier policy (:class:`~services.loyalty.tiers.domain.Policy`):
under the lifetime policy (the default, and the behaviour before policies) a purchase
promotes at once and a return demotes at once; under a window a purchase promotes at once
and a return never demotes: the tier waits for the review at its period's end. A
member's own measures are their purchases (the lifetime spend: their running
``qualifying_spend_fen``); a household's holders also qualify by the household's
(:mod:`~services.loyalty.tiers.qualification`).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time

from services.loyalty.accounts import service as accounts
from services.loyalty.base import emit
from services.loyalty.program import service as program
from services.loyalty.program.domain import Rung, base_tier
from services.loyalty.program.errors import UnknownTier
from services.loyalty.program.schemas import TierIn, TierOut
from services.loyalty.tiers import domain
from services.loyalty.tiers.domain import Policy
from services.loyalty.tiers.errors import InvalidAssignmentEnd
from services.loyalty.tiers.repository import policies, spend, standings
from services.loyalty.tiers.repository.standings import Placement, StandingRow
from services.loyalty.tiers.schemas import LadderReplaced, TierAssignmentIn, TierAssignmentOut
from shared.db import AsyncSession
from shared.events.loyalty import TierChange, TierChanged
from shared.inputs import input_defaults
from shared.kept import Kept


@dataclass(frozen=True)
class Standing:
    member_id: uuid.UUID
    tier_code: str
    qualifying_spend_fen: int
    review_at: datetime | None = None
    grace_used: int = 0
    assigned_until: datetime | None = None


def standing_from(row: StandingRow) -> Standing:
    return Standing(
        row.member_id,
        row.tier_code,
        row.qualifying_spend_fen,
        row.review_at,
        row.grace_used,
        row.assigned_until,
    )


def tier_changed(
    standing: Standing,
    ladder: Sequence[Rung],
    to: Rung,
    change: TierChange | None = None,
    *,
    until: datetime | None = None,
    review_at: datetime | None = None,
    campaign_id: uuid.UUID | None = None,
) -> TierChanged:
    """The event of a move from the standing's tier (ranked on ``ladder``) to ``to``.
    ``direction`` compares the thresholds (a tier gone from the ladder ranks below all);
    ``change`` is upgrade or downgrade by the direction unless given; ``review_at`` is
    the new standing's."""
    direction = domain.direction(domain.rank(ladder, standing.tier_code), to.threshold_fen)
    return TierChanged(
        member_id=standing.member_id,
        from_tier=standing.tier_code,
        to_tier=to.code,
        to_tier_name=to.name,
        direction=direction,
        qualifying_spend_fen=standing.qualifying_spend_fen,
        change=change or ("upgrade" if direction == "up" else "downgrade"),
        until=until,
        review_at=review_at,
        campaign_id=campaign_id,
    )


async def standing_of(session: AsyncSession, member_id: uuid.UUID) -> Standing | None:
    """The member's standing, unlocked (for reading); None for a member loyalty never saw."""
    row = await standings.standing(session, member_id)
    return standing_from(row) if row else None


async def locked_standing(
    session: AsyncSession, member_id: uuid.UUID, ladder: Sequence[Rung], *, new: bool = False
) -> Standing:
    """The member's standing, locked; opened on the ladder's base tier if they are new.

    ``new`` says the member is most likely new (a registration): the opening is tried
    first, which saves the lookup that would find nothing."""
    row = None if new else await standings.standing(session, member_id, lock=True)
    if row is None:
        row = await standings.open_standing(session, member_id, base_tier(ladder).code)
    if row is None:  # opened before, or meanwhile by a transaction that committed
        row = await standings.standing(session, member_id, lock=True)
    assert row is not None
    return standing_from(row)


async def lock_standings(session: AsyncSession, member_ids: Collection[uuid.UUID]) -> None:
    """Locks these members' standings in member order, one statement; each one's next
    :func:`locked_standing` in the transaction then sends none. Call after their accounts
    are locked (account, then standing, as every point change takes them), for members in
    no household (a household's purchase locks its holders' standings together)."""
    await standings.lock_in_order(session, list(member_ids))


_POLICY: Kept[Policy] = Kept()


async def current_policy(session: AsyncSession) -> Policy:
    """The tier policy. Changing it takes the program ``FOR UPDATE``, so while a point
    change holds the program (``FOR SHARE``) it is kept across batches while the
    program's tokens stand (``kept_while_held``)."""
    return await program.kept_while_held(session, _POLICY, lambda: policies.policy(session))


async def replace_ladder(session: AsyncSession, tiers: Sequence[TierIn]) -> LadderReplaced:
    """Replaces the ladder (see :func:`services.loyalty.program.service.replace_ladder`) and
    places members whose tier is gone by their lifetime qualifying spend, publishing
    ``loyalty.tier.changed`` for each. Purchase thresholds of removed tiers are dropped."""
    change = await program.replace_ladder(session, tiers)
    codes = [rung.code for rung in change.ladder]
    policy = await current_policy(session)
    kept = {c: n for c, n in policy.purchase_thresholds.items() if c in codes}
    if kept != policy.purchase_thresholds:
        await policies.save_policy(session, replace(policy, purchase_thresholds=kept))
    stranded = await standings.standings_off_ladder(session, codes)
    base = base_tier(change.ladder)
    zone = input_defaults().business_timezone
    review_at = domain.period_end(policy, datetime.now(UTC), zone)
    placements: list[Placement] = []
    announced: list[TierChanged] = []
    old_ladder = list(change.previous.values())
    for row in stranded:
        standing = standing_from(row)
        to = domain.tier_for_spend(change.ladder, standing.qualifying_spend_fen)
        reviewed_at = None if to.code == base.code else review_at
        placements.append(
            Placement(
                standing.member_id,
                to.code,
                reviewed_at,
                0,
                standing.assigned_until,
            )
        )
        announced.append(tier_changed(standing, old_ladder, to, review_at=reviewed_at))
    await standings.place(session, placements)
    await emit(session, *announced)
    return LadderReplaced(
        tiers=[TierOut(**tier.model_dump()) for tier in tiers], accounts_moved=len(placements)
    )


MAX_ASSIGNMENT_YEARS = 5


def assignment_end(until: date, today: date) -> datetime:
    """When an assignment whose last day is ``until`` ends: the next midnight in the brand's
    timezone. Raises :class:`InvalidAssignmentEnd` for a day before ``today`` or more than
    ``MAX_ASSIGNMENT_YEARS`` ahead."""
    latest = domain.add_months(datetime.combine(today, time()), 12 * MAX_ASSIGNMENT_YEARS).date()
    if not today <= until <= latest:
        raise InvalidAssignmentEnd(
            f"until must be from today ({today}) to {latest} in the brand's timezone; got {until}",
            field="until",
        )
    return domain.day_end(until, input_defaults().business_timezone)


async def assign(
    session: AsyncSession, member_id: uuid.UUID, data: TierAssignmentIn, staff: str
) -> TierAssignmentOut:
    """Places the member on ``data.tier_code`` until the end of ``data.until`` (brand's
    timezone), audited with the staff subject. While it lasts returns never demote and
    reviews skip the member; a purchase reaching a higher tier ends it; at its end the
    member is placed by what they qualify for. Publishes ``loyalty.tier.changed`` (manual)
    when the tier changes.

    Raises :class:`~services.loyalty.accounts.errors.AccountNotFound` (404),
    :class:`~services.loyalty.program.errors.UnknownTier` and
    :class:`InvalidAssignmentEnd` (422)."""
    held = await program.locked_program(session)
    to = next((rung for rung in held.ladder if rung.code == data.tier_code), None)
    if to is None:
        raise UnknownTier(
            f"tier_code {data.tier_code!r} is not on the ladder (tiers: "
            f"{', '.join(rung.code for rung in held.ladder)})",
            field="tier_code",
        )
    ends = assignment_end(data.until, input_defaults().today())
    await accounts.account_of(session, member_id)
    standing = await locked_standing(session, member_id, held.ladder)
    assignment_id, assigned_at = await _place_until(
        session, held.ladder, standing, to, ends, reason=data.reason, by=staff
    )
    return TierAssignmentOut(
        assignment_id=assignment_id,
        member_id=member_id,
        from_tier=standing.tier_code,
        tier_code=to.code,
        until=data.until,
        assigned_until=ends,
        reason=data.reason,
        assigned_by=staff,
        assigned_at=assigned_at,
    )


async def _place_until(
    session: AsyncSession,
    ladder: Sequence[Rung],
    standing: Standing,
    to: Rung,
    ends: datetime,
    *,
    reason: str,
    by: str,
    assignment_id: uuid.UUID | None = None,
    campaign_id: uuid.UUID | None = None,
) -> tuple[uuid.UUID, datetime]:
    """Places the (locked) standing on ``to`` until ``ends``, audited; publishes
    ``loyalty.tier.changed`` (manual) when the tier changes. The audit's id and time."""
    recorded = await standings.record_assignment(
        session,
        assignment_id=assignment_id or uuid.uuid4(),
        member_id=standing.member_id,
        from_tier=standing.tier_code,
        tier_code=to.code,
        until=ends,
        reason=reason,
        assigned_by=by,
    )
    await standings.place(session, [Placement(standing.member_id, to.code, None, 0, ends)])
    if to.code != standing.tier_code:
        change = tier_changed(standing, ladder, to, "manual", until=ends, campaign_id=campaign_id)
        await emit(session, change)
    return recorded


async def award(
    session: AsyncSession,
    ladder: Sequence[Rung],
    member_id: uuid.UUID,
    tier_code: str,
    ends: datetime,
    *,
    reason: str,
    award_id: uuid.UUID,
    campaign_id: uuid.UUID,
    now: datetime,
) -> bool:
    """A campaign's award: places the member on ``tier_code`` until ``ends`` like a manual
    assignment (audited as ``award_id`` by ``campaign:<id>``; ``loyalty.tier.changed``
    manual naming the campaign), unless it gives them nothing
    (:func:`~services.loyalty.tiers.domain.award_gives`: a member above it keeps their
    tier), the tier is gone from the ladder, or ``ends`` is not after ``now``. Whether the
    member was placed. The caller holds the program's lock."""
    to = next((rung for rung in ladder if rung.code == tier_code), None)
    if to is None or ends <= now:
        return False
    standing = await locked_standing(session, member_id, ladder)
    if not domain.award_gives(ladder, standing.tier_code, standing.assigned_until, to, ends):
        return False
    await _place_until(
        session,
        ladder,
        standing,
        to,
        ends,
        reason=reason,
        by=f"campaign:{campaign_id}",
        assignment_id=award_id,
        campaign_id=campaign_id,
    )
    return True


async def spenders(
    session: AsyncSession, start: datetime, end: datetime, at_least: int
) -> list[tuple[uuid.UUID, int]]:
    """``(member_id, qualifying_spend_fen)`` of every member whose own qualifying spend of
    purchases made in ``[start, end)`` (by sale time, net of returns and voids; household
    members each their own) is at least ``at_least`` fen, by member id."""
    return await spend.spenders(session, start, end, at_least)


async def members_on(
    session: AsyncSession, tier_code: str, *, after: uuid.UUID | None, limit: int
) -> list[uuid.UUID]:
    """The members now on the tier (qualified or assigned), by id: the ``limit`` after
    ``after``."""
    return await standings.members_on(session, tier_code, after, limit)
