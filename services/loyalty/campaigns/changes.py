"""Changing a campaign, or ending it early (营销活动的修改与提前结束).

Until it starts, anything of a campaign may change, checked as a new one is. Once it has
started, its effects (scope, multiplier, bonus, giveaway, start) and close-out rewards are
frozen: each earn entry names the campaign that gave it, and lift analysis, the
leaderboard and the close-out read one set of terms for the whole window. Only what
keeps the past honest may change then: the name, the end (not before now, so no sale
that earned falls outside it) and the budgets (``budget_points``, ``giveaway_quantity``:
raised, lowered to no less than what was given, or lifted). Once its end has come it
changes no more (closed out or about to be).

Both hold the program's lock ``FOR UPDATE`` (purchases read the campaigns once under it,
so a batch never sees half a change) and the campaign's row lock (changes of one
campaign, a sale drawing its budget and its close-out are serialised; each reads the
campaign after its lock is granted). An early end sets ``ends_at`` to now (and
``starts_at`` too when it had not started: an empty window, it never ran); the
close-out job finds it due like any ended campaign and closes it out once. Use cases
flush, never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from services.loyalty.base import emit
from services.loyalty.campaigns import giveaways, repository
from services.loyalty.campaigns.errors import (
    CampaignEnded,
    CampaignNotFound,
    CampaignStarted,
    InvalidCampaign,
)
from services.loyalty.campaigns.models import CampaignRow
from services.loyalty.campaigns.schemas import CampaignChange, CampaignIn, CampaignOut
from services.loyalty.campaigns.service import (
    check_terms,
    check_window,
    columns,
    last_day,
    out,
    terms_of,
)
from services.loyalty.program.service import locked_for_change
from shared.db import AsyncSession
from shared.events.loyalty import CampaignChanged

CHANGEABLE_ONCE_STARTED = frozenset({"name", "ends_at", "budget_points", "giveaway_quantity"})


async def change(
    session: AsyncSession,
    campaign_id: uuid.UUID,
    body: CampaignChange,
    *,
    by: str,
    now: datetime | None = None,
) -> CampaignOut:
    """The campaign with the fields sent in ``body`` changed (see the module), publishing
    ``loyalty.campaign.changed``; fields sent with the value they have change nothing (no
    event when none differs). Raises :class:`CampaignNotFound` (404), :class:`CampaignEnded`
    (409) once its end has come, :class:`CampaignStarted` (409) for a frozen field of a
    started one; :class:`InvalidCampaign` or ``UnknownTier`` (422) as a new campaign's
    terms are checked (before its start), an end before now or past an awarded tier's last
    day, a budget below what it gave or a quantity below the coupons it gave. ``now``
    (UTC) is the clock once the campaign is locked unless given."""
    await locked_for_change(session)
    row, now = await _open(session, campaign_id, now)
    current = terms_of(row)
    changed = [
        name
        for name in sorted(body.model_fields_set)
        if getattr(body, name) != getattr(current, name)
    ]
    if not changed:
        return out(row)
    merged = current.model_copy(update={name: getattr(body, name) for name in changed})
    if row.starts_at <= now:
        _check_started(row, merged, changed, now)
        if "giveaway_quantity" in changed:
            await giveaways.check(session, merged, at="")
    else:
        check_window(merged)
        await check_terms(session, merged)
    _check_budgets(row, merged)
    new = columns(merged)
    for name in changed:
        setattr(row, name, new[name])
    await _changed(session, row, changed, by=by, now=now, ended_early=False)
    return out(row)


async def end(
    session: AsyncSession, campaign_id: uuid.UUID, *, by: str, now: datetime | None = None
) -> CampaignOut:
    """Ends the campaign at ``now`` (UTC; unless given, the clock once the campaign is
    locked, so an end that waited for another's sees it come): sales from then on are
    outside it, and the
    close-out job closes it out (rewards, ``loyalty.campaign.closed``) within its poll.
    One not started yet gets the empty window ``now``–``now``: it never ran. Publishes
    ``loyalty.campaign.changed`` (``ended_early``). Raises :class:`CampaignNotFound`
    (404), :class:`CampaignEnded` (409) once its end has come."""
    await locked_for_change(session)
    row, now = await _open(session, campaign_id, now)
    changed = ["ends_at"]
    if row.starts_at > now:
        row.starts_at = now
        changed.insert(0, "starts_at")
    row.ends_at = now
    await _changed(session, row, changed, by=by, now=now, ended_early=True)
    return out(row)


async def _open(
    session: AsyncSession, campaign_id: uuid.UUID, now: datetime | None
) -> tuple[CampaignRow, datetime]:
    """The campaign locked, and the time the change happens at: the clock read after the
    lock is granted unless ``now`` is given (a clock read before could precede an end that
    another request committed while this one waited, and find the campaign still open)."""
    row = await repository.locked(session, campaign_id)
    if row is None:
        raise CampaignNotFound(f"No campaign {campaign_id}")
    now = now or datetime.now(UTC)
    if row.closed_at is not None or row.ends_at <= now:
        raise CampaignEnded(
            f"campaign {campaign_id} ended at {row.ends_at.isoformat()}"
            + (" and was closed out" if row.closed_at is not None else "")
            + "; an ended campaign does not change"
        )
    return row, now


def _check_started(
    row: CampaignRow, merged: CampaignIn, changed: Sequence[str], now: datetime
) -> None:
    frozen = [name for name in changed if name not in CHANGEABLE_ONCE_STARTED]
    if frozen:
        raise CampaignStarted(
            f"campaign {row.campaign_id} started at {row.starts_at.isoformat()}: "
            f"{', '.join(frozen)} no longer change (sales earned by them); only "
            f"{', '.join(sorted(CHANGEABLE_ONCE_STARTED))} do",
            field=frozen[0],
        )
    if merged.ends_at < now:
        raise InvalidCampaign(
            f"ends_at ({merged.ends_at.isoformat()}) must not be before now "
            f"({now.isoformat()}); POST /campaigns/{row.campaign_id}/end ends it now",
            field="ends_at",
        )
    until = merged.reward_tier_until
    if until is not None and last_day(merged.ends_at) > until:
        raise InvalidCampaign(
            f"ends_at ({merged.ends_at.isoformat()}) must not end after reward_tier_until "
            f"({until}), the awarded tier's last day",
            field="ends_at",
        )


def _check_budgets(row: CampaignRow, merged: CampaignIn) -> None:
    if merged.budget_points is not None and merged.budget_points < row.spent_points:
        raise InvalidCampaign(
            f"budget_points ({merged.budget_points}) must not be below the "
            f"{row.spent_points} points the campaign gave",
            field="budget_points",
        )
    quantity = merged.giveaway_quantity
    if quantity is not None and quantity < row.coupons_given:
        raise InvalidCampaign(
            f"giveaway_quantity ({quantity}) must not be below the {row.coupons_given} "
            "coupons the campaign gave",
            field="giveaway_quantity",
        )


async def _changed(
    session: AsyncSession,
    row: CampaignRow,
    changed: Sequence[str],
    *,
    by: str,
    now: datetime,
    ended_early: bool,
) -> None:
    row.updated_at = now
    row.updated_by = by
    event = CampaignChanged(
        campaign_id=row.campaign_id,
        changed=tuple(changed),
        name=row.name,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        budget_points=row.budget_points,
        giveaway_quantity=row.giveaway_quantity,
        ended_early=ended_early,
        changed_at=now,
    )
    await emit(session, event)
    await session.flush()
