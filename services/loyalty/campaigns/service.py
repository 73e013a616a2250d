"""Campaigns' use cases: made and read by marketing, and what they add to a purchase
rated by the earning rules (see :mod:`services.loyalty.campaigns.domain`).

A campaign is never changed once made (this round): the terms a sale earned by are the
terms it shows, and a leaderboard or close-out always reads one set of terms. Ending one
early or raising its budget are next round's. Use cases flush, never commit.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from services.loyalty.campaigns import domain, repository
from services.loyalty.campaigns.errors import CampaignNotFound, InvalidCampaign
from services.loyalty.campaigns.models import CampaignRow
from services.loyalty.campaigns.schemas import CampaignIn, CampaignList, CampaignOut, ScopeOut
from services.loyalty.program.errors import UnknownTier
from services.loyalty.program.service import current_ladder
from services.loyalty.rules.domain import Contribution
from services.loyalty.rules.service import Rated
from shared.db import AsyncSession


def campaign(row: CampaignRow) -> domain.Campaign:
    """The domain's campaign from its row."""
    return domain.Campaign(
        campaign_id=row.campaign_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        scope=domain.Scope(
            categories=frozenset(row.scope.get("categories", ())),
            stores=frozenset(uuid.UUID(s) for s in row.scope.get("stores", ())),
            tiers=frozenset(row.scope.get("tiers", ())),
        ),
        multiplier_percent=row.multiplier_percent,
        bonus_points=row.bonus_points,
        bonus_threshold_fen=row.bonus_threshold_fen,
    )


async def add_to(session: AsyncSession, rated: Rated, purchased_at: datetime) -> Rated:
    """The purchase's rating with what the campaigns running at ``purchased_at`` add, each
    drawn from its budget (a sale gets what is left when it runs out). Costs one indexed
    query per sale, and one update per campaign that gives points; the caller holds the
    member's account lock, the budget's row lock is taken by the update."""
    running = await repository.running_at(session, purchased_at)
    if not running:
        return rated
    wanted = domain.contributions(
        (campaign(row) for row in running),
        rated.sale,
        rated.rating.lines,
        rated.points_per_yuan,
    )
    given: list[Contribution] = []
    for terms, points in wanted:
        taken = await repository.reserve(session, terms.campaign_id, points)
        if taken > 0:
            given.append(Contribution(terms.rule, taken, terms.campaign_id))
    return rated.plus(given)


def _out(row: CampaignRow) -> CampaignOut:
    return CampaignOut(
        id=row.campaign_id,
        name=row.name,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        scope=ScopeOut.model_validate(row.scope),
        multiplier_percent=row.multiplier_percent,
        bonus_points=row.bonus_points,
        bonus_threshold_fen=row.bonus_threshold_fen,
        budget_points=row.budget_points,
        spent_points=row.spent_points,
        created_at=row.created_at,
        created_by=row.created_by,
    )


async def create(session: AsyncSession, data: CampaignIn, by: str) -> CampaignOut:
    """Makes a campaign. Raises :class:`InvalidCampaign` (422) for ``ends_at`` not later
    than ``starts_at`` or no effect, :class:`UnknownTier` (422) for a scope tier not on
    the ladder."""
    if data.ends_at <= data.starts_at:
        raise InvalidCampaign(
            f"ends_at ({data.ends_at.isoformat()}) must be later than starts_at "
            f"({data.starts_at.isoformat()})",
            field="ends_at",
        )
    if data.multiplier_percent is None and data.bonus_points is None:
        raise InvalidCampaign(
            "a campaign needs multiplier_percent or bonus_points", field="multiplier_percent"
        )
    known = [rung.code for rung in await current_ladder(session)]
    unknown = sorted(set(data.scope.tiers) - set(known))
    if unknown:
        raise UnknownTier(
            f"scope.tiers names {', '.join(map(repr, unknown))}, not on the ladder "
            f"(tiers: {', '.join(known)})",
            field="scope.tiers",
            unknown_tiers=unknown,
        )
    row = CampaignRow(
        name=data.name,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        scope=data.scope.model_dump(mode="json"),
        multiplier_percent=data.multiplier_percent,
        bonus_points=data.bonus_points,
        bonus_threshold_fen=data.bonus_threshold_fen,
        budget_points=data.budget_points,
        created_by=by,
    )
    return _out(await repository.add(session, row))


async def get(session: AsyncSession, campaign_id: uuid.UUID) -> CampaignOut:
    """Raises :class:`CampaignNotFound` (404)."""
    row = await repository.get(session, campaign_id)
    if row is None:
        raise CampaignNotFound(f"No campaign {campaign_id}")
    return _out(row)


async def latest(session: AsyncSession, limit: int) -> CampaignList:
    """The campaigns latest starting first."""
    return CampaignList(items=[_out(row) for row in await repository.latest(session, limit)])
