"""Campaigns' use cases: made and read by marketing, and what they add to a purchase
rated by the earning rules (see :mod:`services.loyalty.campaigns.domain`).

Once a campaign has started only its name, end and budgets change (see
:mod:`services.loyalty.campaigns.changes`): the terms a sale earned by are the terms it
shows, and a leaderboard or close-out reads one set of terms. Use cases flush, never
commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date, datetime, time
from typing import Any

from services.loyalty.accounts.service import Along
from services.loyalty.campaigns import domain, giveaways, repository
from services.loyalty.campaigns.errors import CampaignNotFound, InvalidCampaign
from services.loyalty.campaigns.models import CampaignRow
from services.loyalty.campaigns.schemas import (
    CampaignIn,
    CampaignList,
    CampaignOut,
    CampaignTerms,
    Leaderboard,
    ScopeIn,
    ScopeOut,
    Spender,
)
from services.loyalty.program.domain import base_tier
from services.loyalty.program.errors import UnknownTier
from services.loyalty.program.service import (
    current_ladder,
    kept_read,
    locked_for_change,
)
from services.loyalty.rules.domain import Contribution
from services.loyalty.rules.service import Rated
from services.loyalty.tiers.domain import add_months
from services.loyalty.tiers.service import MAX_ASSIGNMENT_YEARS
from shared.db import AsyncSession
from shared.events.orders import PurchaseCompleted
from shared.inputs import input_defaults
from shared.kept import Kept
from shared.pagination import PageKey, as_key, encode_cursor, keyset_page


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
        giveaway_definition_id=row.giveaway_definition_id,
        giveaway_threshold_fen=row.giveaway_threshold_fen,
    )


def tried(data: CampaignTerms, starts_at: datetime, ends_at: datetime) -> domain.Campaign:
    """The domain's campaign of terms a dry run tries over ``starts_at``–``ends_at``."""
    return domain.Campaign(
        campaign_id=uuid.UUID(int=0),
        starts_at=starts_at,
        ends_at=ends_at,
        scope=domain.Scope(
            categories=frozenset(data.scope.categories),
            stores=frozenset(data.scope.stores),
            tiers=frozenset(data.scope.tiers),
        ),
        multiplier_percent=data.multiplier_percent,
        bonus_points=data.bonus_points,
        bonus_threshold_fen=data.bonus_threshold_fen,
        giveaway_definition_id=data.giveaway_definition_id,
        giveaway_threshold_fen=data.giveaway_threshold_fen,
    )


_CAMPAIGNS: Kept[tuple[domain.Campaign, ...]] = Kept()


async def _locked_campaigns(session: AsyncSession) -> list[domain.Campaign]:
    """The campaigns not closed out, holding the program's lock: making or changing a
    campaign takes it ``FOR UPDATE``, so none is added before it is released; kept across
    batches while the program's tokens stand (``kept_read``)."""

    async def load() -> tuple[domain.Campaign, ...]:
        return tuple(campaign(row) for row in await repository.not_closed(session))

    kept = await kept_read(session, _CAMPAIGNS, load)
    return list(kept)


async def add_to(session: AsyncSession, rated: Rated, purchase: PurchaseCompleted) -> Rated:
    """The purchase's rating with what the campaigns running at its ``purchased_at`` add,
    each drawn from its budget (a sale gets what is left when it runs out); the purchases
    they reached are recorded for the leaderboard. Costs one query per batch of
    purchases; a sale a campaign reaches adds one lookup (a purchase delivered again,
    under another event id, draws nothing twice), one update per campaign and one insert.
    The caller holds the program's lock and the member's account lock; the budget's row
    lock is taken by its update. A campaign closed out no longer adds to a late sale."""
    running = [
        terms for terms in await _locked_campaigns(session) if terms.runs_at(purchase.purchased_at)
    ]
    if not running:
        return rated
    reaches = domain.reached(
        running,
        rated.sale,
        rated.rating.lines,
        rated.points_per_yuan,
    )
    if reaches and await repository.reached_before(session, purchase.purchase_id):
        return rated  # delivered again under another event id: the ledger refuses it too
    given: list[Contribution] = []
    recorded: list[dict[str, object]] = []
    for reach in reaches:
        terms = reach.campaign
        taken = await repository.reserve(session, terms.campaign_id, reach.wanted)
        if taken > 0:
            given.append(Contribution(terms.rule, taken, terms.campaign_id))
        coupon_id = None
        if domain.gives_coupon(terms, reach.qualifying_fen):
            coupon_id = await giveaways.give(session, terms, purchase)
        recorded.append(
            {
                "campaign_id": terms.campaign_id,
                "purchase_id": purchase.purchase_id,
                "member_id": purchase.member_id,
                "qualifying_fen": reach.qualifying_fen,
                "total_fen": purchase.total_fen,
                "returned_fen": 0,
                "points": taken,
                "coupon_id": coupon_id,
            }
        )
    if recorded:
        await repository.record(session, recorded)
    return rated.plus(given, [reach.campaign.campaign_id for reach in reaches])


async def look_up_sales(session: AsyncSession, purchase_ids: Collection[uuid.UUID]) -> None:
    """Before :func:`add_to` rates a batch of sales: which of them a campaign reached
    before (delivered again), in one statement for the batch instead of one per sale a
    campaign reaches; none while no campaign is open. The caller holds the program's lock."""
    if await _locked_campaigns(session):
        await repository.look_up_reached(session, purchase_ids)


def count_return(*, purchase_id: uuid.UUID, returned_fen: int) -> Along:
    """Counts ``returned_fen`` more of the purchase as returned (a void: all that still
    counted), lowering its qualifying spend on the leaderboards of the campaigns it
    reached; written with the reversal's ledger entry, so exactly once."""
    return repository.count_return(purchase_id=purchase_id, returned_fen=returned_fen)


async def after_return(session: AsyncSession, purchase_id: uuid.UUID) -> None:
    """Once a return or void of the purchase was counted (:func:`count_return`), takes
    back the unused coupons of giveaways it no longer qualifies for (see
    :func:`services.loyalty.campaigns.giveaways.take_back`)."""
    await giveaways.take_back(session, purchase_id)


async def leaderboard(session: AsyncSession, campaign_id: uuid.UUID, limit: int) -> Leaderboard:
    """The top ``limit`` spenders of the campaign (see
    :func:`services.loyalty.campaigns.repository.leaderboard`). Raises
    :class:`CampaignNotFound` (404)."""
    row = await repository.get(session, campaign_id)
    if row is None:
        raise CampaignNotFound(f"No campaign {campaign_id}")
    top = await repository.leaderboard(session, campaign_id, limit)
    return Leaderboard(
        campaign_id=campaign_id,
        items=[
            Spender(rank=rank, member_id=member_id, qualifying_spend_fen=fen)
            for rank, (member_id, fen) in enumerate(top, start=1)
        ],
    )


def out(row: CampaignRow) -> CampaignOut:
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
        reward_top_n=row.reward_top_n,
        reward_points=row.reward_points,
        reward_tier_code=row.reward_tier_code,
        reward_tier_until=row.reward_tier_until,
        giveaway_definition_id=row.giveaway_definition_id,
        giveaway_threshold_fen=row.giveaway_threshold_fen,
        giveaway_quantity=row.giveaway_quantity,
        coupons_given=row.coupons_given,
        closed_at=row.closed_at,
        created_at=row.created_at,
        created_by=row.created_by,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


async def check_terms(session: AsyncSession, data: CampaignTerms, at: str = "") -> None:
    """Raises :class:`InvalidCampaign` (422) for no effect, half a reward or the base tier
    awarded, :class:`UnknownTier` (422) for a scope or awarded tier not on the ladder;
    ``at`` prefixes the field named (the terms' place in the body)."""
    if (
        data.multiplier_percent is None
        and data.bonus_points is None
        and data.giveaway_definition_id is None
    ):
        raise InvalidCampaign(
            "a campaign needs multiplier_percent, bonus_points or giveaway_definition_id",
            field=f"{at}multiplier_percent",
        )
    await giveaways.check(session, data, at)
    rewards = data.reward_points is not None or data.reward_tier_code is not None
    if (data.reward_top_n is not None) != rewards:
        raise InvalidCampaign(
            "reward_top_n goes with reward_points, reward_tier_code or both",
            field=at + ("reward_top_n" if rewards else "reward_points"),
        )
    if (data.reward_tier_code is None) != (data.reward_tier_until is None):
        raise InvalidCampaign(
            "reward_tier_code and reward_tier_until go together (both, or neither)",
            field=at
            + ("reward_tier_until" if data.reward_tier_until is None else "reward_tier_code"),
        )
    ladder = await current_ladder(session)
    known = [rung.code for rung in ladder]
    unknown = sorted(set(data.scope.tiers) - set(known))
    if unknown:
        raise UnknownTier(
            f"scope.tiers names {', '.join(map(repr, unknown))}, not on the ladder "
            f"(tiers: {', '.join(known)})",
            field=f"{at}scope.tiers",
            unknown_tiers=unknown,
        )
    awarded = data.reward_tier_code
    if awarded is not None and awarded not in known:
        raise UnknownTier(
            f"reward_tier_code {awarded!r} is not on the ladder (tiers: {', '.join(known)})",
            field=f"{at}reward_tier_code",
            unknown_tiers=[awarded],
        )
    if awarded == base_tier(ladder).code:
        raise InvalidCampaign(
            f"reward_tier_code {awarded!r} is the base tier: every member holds it",
            field=f"{at}reward_tier_code",
        )


def check_window(data: CampaignIn) -> None:
    """Raises :class:`InvalidCampaign` (422) for ``ends_at`` not later than ``starts_at``,
    or an awarded tier's last day before the day the campaign ends (brand's timezone) or
    more than ``MAX_ASSIGNMENT_YEARS`` after it."""
    if data.ends_at <= data.starts_at:
        raise InvalidCampaign(
            f"ends_at ({data.ends_at.isoformat()}) must be later than starts_at "
            f"({data.starts_at.isoformat()})",
            field="ends_at",
        )
    if data.reward_tier_until is None:
        return
    first = last_day(data.ends_at)
    latest = add_months(datetime.combine(first, time()), 12 * MAX_ASSIGNMENT_YEARS).date()
    if not first <= data.reward_tier_until <= latest:
        raise InvalidCampaign(
            f"reward_tier_until must be from the day the campaign ends ({first}) to {latest} "
            f"in the brand's timezone; got {data.reward_tier_until}",
            field="reward_tier_until",
        )


def last_day(ends_at: datetime) -> date:
    """The day (brand's timezone) a campaign ending at ``ends_at`` ends."""
    return ends_at.astimezone(input_defaults().business_timezone).date()


def columns(data: CampaignIn) -> dict[str, Any]:
    """The row's columns of ``data``."""
    return {**data.model_dump(exclude={"scope"}), "scope": data.scope.model_dump(mode="json")}


def terms_of(row: CampaignRow) -> CampaignIn:
    """The body that would make the campaign as it stands (not validated again)."""
    values = {name: getattr(row, name) for name in CampaignIn.model_fields}
    return CampaignIn.model_construct(**{**values, "scope": ScopeIn.model_validate(row.scope)})


async def create(session: AsyncSession, data: CampaignIn, by: str) -> CampaignOut:
    """Makes a campaign, holding the program's lock ``FOR UPDATE`` (purchases read the
    campaigns once under it). Raises :class:`InvalidCampaign` (422) for ``ends_at`` not later
    than ``starts_at``, no effect, a reward's top N without a reward (or the reverse), an
    awarded tier that is the base tier or without its period (or the reverse), or a period
    ending before the campaign does or more than 5 years after;
    :class:`UnknownTier` (422) for a scope or awarded tier not on the ladder."""
    check_window(data)
    await locked_for_change(session)
    await check_terms(session, data)
    return out(await repository.add(session, CampaignRow(**columns(data), created_by=by)))


async def get(session: AsyncSession, campaign_id: uuid.UUID) -> CampaignOut:
    """Raises :class:`CampaignNotFound` (404)."""
    row = await repository.get(session, campaign_id)
    if row is None:
        raise CampaignNotFound(f"No campaign {campaign_id}")
    return out(row)


async def latest(session: AsyncSession, limit: int, before: PageKey | None) -> CampaignList:
    """The campaigns latest starting first, ``limit`` at a time, after the page that ended
    at ``before``; ``next_cursor`` is ``None`` on the last page."""
    rows = await repository.latest(session, limit + 1, as_key(before))
    page, cursor = keyset_page(
        rows, limit, lambda row: encode_cursor(row.starts_at, row.campaign_id)
    )
    return CampaignList(items=[out(row) for row in page], next_cursor=cursor)
