"""Simulating earning rules: a sale rated, or stored purchases replayed. Writes nothing.

A sale is rated as :func:`services.loyalty.rules.service.rate_purchase` would rate it
live (its categories' ancestors as loyalty knows them now). A period replays the stored
purchases made in it (days in the brand's timezone), in the order they were rated, by
the candidate rules and by the version in force now, and compares them; a purchase
recorded before loyalty kept its lines is one uncategorised line of its total (see
:func:`services.loyalty.rules.service.stored_sale`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.loyalty.campaigns import service as campaigns
from services.loyalty.campaigns.schemas import CampaignTerms
from services.loyalty.coupons import service as coupons
from services.loyalty.points import service as points
from services.loyalty.program.errors import UnknownTier
from services.loyalty.program.service import current_ladder
from services.loyalty.rules import service as rules
from services.loyalty.rules.categories import categorised
from services.loyalty.rules.domain import RuleSet, Sale, rate
from services.loyalty.rules.schemas import RuleContribution
from services.loyalty.simulation import domain
from services.loyalty.simulation.schemas import (
    CampaignDryRunIn,
    CampaignDryRunOut,
    LineOut,
    Period,
    ReplaySimulation,
    SaleSimulation,
    SimulatedSale,
    SimulationIn,
    SimulationOut,
    TopSpender,
)
from shared.db import AsyncSession


async def simulate(session: AsyncSession, question: SimulationIn) -> SimulationOut:
    """Answers a sale or a period (see the module). Raises :class:`UnknownTier` (422) for
    a tier not on the ladder."""
    await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    candidate = rules.rule_set(question.rules) if question.rules is not None else None
    if question.sale is not None:
        return SimulationOut(sale=await _sale(session, question.sale, candidate))
    assert question.period is not None
    return SimulationOut(replay=await _replay(session, question.period, candidate))


async def _sale(
    session: AsyncSession, sale: SimulatedSale, candidate: RuleSet | None
) -> SaleSimulation:
    ladder = await current_ladder(session)
    if sale.tier_code not in {rung.code for rung in ladder}:
        raise UnknownTier(
            f"sale.tier_code {sale.tier_code!r} is not on the ladder "
            f"(tiers: {', '.join(rung.code for rung in ladder)})",
            field="sale.tier_code",
            unknown_tiers=[sale.tier_code],
        )
    version: rules.Version | None = None
    rule_set = candidate
    if rule_set is None:
        version = await rules.version_at(session, sale.purchased_at)
        rule_set = version.rules
    total = sum(line.amount_fen for line in sale.lines)
    rated = rate(
        Sale(
            lines=await categorised(session, sale.lines, total),
            vouchers_fen=sale.vouchers_fen,
            store_id=sale.store_id,
            day=rules.local_day(sale.purchased_at),
            tier_code=sale.tier_code,
        ),
        rule_set,
        earned_today=sale.earned_today,
    )
    return SaleSimulation(
        version=version.number if version is not None else None,
        points=rated.points,
        eligible_fen=rated.eligible_fen,
        breakdown=[RuleContribution(rule=c.rule, points=c.points) for c in rated.contributions],
        lines=[
            LineOut(
                line_no=line.line_no,
                net_fen=line.net_fen,
                multiplier_percent=line.multiplier_percent,
                rule=line.rule,
            )
            for line in rated.lines
        ],
    )


async def _replay(
    session: AsyncSession, period: Period, candidate: RuleSet | None
) -> ReplaySimulation:
    now = datetime.now(UTC)
    in_force = await rules.version_at(session, now)
    tried = domain.Replay(candidate or in_force.rules)
    current = domain.Replay(in_force.rules)
    start, _ = rules.day_bounds(period.first_day)
    _, end = rules.day_bounds(period.last_day)
    purchases = earned = 0
    async for row in points.stored_purchases(session, start, end):
        sale = rules.stored_sale(
            lines=row.lines,
            total_fen=row.total_fen,
            vouchers_fen=row.vouchers_fen,
            store_id=row.store_id,
            day=rules.local_day(row.made_at),
            tier_code=row.tier_code,
        )
        tried.add(row.member_id, sale)
        current.add(row.member_id, sale)
        purchases += 1
        earned += row.points_earned
    return ReplaySimulation(
        first_day=period.first_day,
        last_day=period.last_day,
        purchases=purchases,
        members=len(current.by_member),
        members_affected=domain.members_affected(tried, current),
        points=tried.points,
        points_in_force=current.points,
        change=tried.points - current.points,
        points_earned=earned,
        in_force_version=in_force.number,
        by_rule=[RuleContribution(rule=r, points=p) for r, p in sorted(tried.by_rule.items())],
        computed_at=now,
    )


async def dry_run(session: AsyncSession, question: CampaignDryRunIn) -> CampaignDryRunOut:
    """What a campaign's terms would have given over the stored purchases of a past period
    (days in the brand's timezone), each seen by the rules version that rated it, in the
    order they were rated (see :class:`~services.loyalty.simulation.domain.CampaignReplay`):
    the budget and a giveaway drawn as live at each sale, every sale made counted (a sale
    voided or returned since drew them then), and spend net of the returns made since.
    Coupons are bounded by ``giveaway_quantity`` and the definition as it stands now (its
    coupons left, its per-member limit less what each member holds, none once its
    validity has ended). Writes nothing. Raises
    :class:`~services.loyalty.campaigns.errors.InvalidCampaign` and :class:`UnknownTier`
    (422)."""
    terms = question.campaign
    await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    await campaigns.check_terms(session, terms, at="campaign.")
    start, _ = rules.day_bounds(question.period.first_day)
    _, end = rules.day_bounds(question.period.last_day)
    replay = domain.CampaignReplay(
        campaigns.tried(terms, start, end),
        terms.budget_points,
        await _giveaway(session, terms, datetime.now(UTC)),
    )
    versions = await rules.versions(session)
    by_number = {version.number: version for version in versions}
    purchases = 0
    async for row in points.stored_purchases(session, start, end, standing_only=False):
        version = by_number.get(row.rule_version) or rules.in_force(versions, row.made_at)
        sale = rules.stored_sale(
            lines=row.lines,
            total_fen=row.total_fen,
            vouchers_fen=row.vouchers_fen,
            store_id=row.store_id,
            day=rules.local_day(row.made_at),
            tier_code=row.tier_code,
        )
        replay.add(
            row.member_id,
            sale,
            version.rules,
            total_fen=row.total_fen,
            returned_fen=row.returned_fen,
        )
        purchases += 1
    top = replay.top(terms.reward_top_n or 0)
    return CampaignDryRunOut(
        first_day=question.period.first_day,
        last_day=question.period.last_day,
        purchases=purchases,
        members_reached=replay.members_reached,
        points=replay.points,
        coupons=replay.coupons,
        coupons_taken_back=replay.coupons_taken_back,
        reward_points=len(top) * (terms.reward_points or 0),
        top=[
            TopSpender(rank=rank, member_id=member_id, qualifying_spend_fen=fen)
            for rank, (member_id, fen) in enumerate(top, start=1)
        ],
    )


async def _giveaway(
    session: AsyncSession, terms: CampaignTerms, now: datetime
) -> domain.Giveaway | None:
    if terms.giveaway_definition_id is None:
        return None
    definition = await coupons.get_definition(session, terms.giveaway_definition_id)
    return domain.Giveaway(
        quantity=terms.giveaway_quantity,
        definition_left=domain.coupons_left(
            quantity=definition.quantity,
            budget_fen=definition.budget_fen,
            face_value_fen=definition.face_value_fen,
            issued=definition.issued,
            ended=definition.valid_until is not None and definition.valid_until <= now,
        ),
        per_member_limit=definition.per_member_limit,
        held=await coupons.held_by_member(session, definition.id),
    )
