"""Use cases of yearly-spend band rules: a rule added and read, run for a year (on demand
or by the daily job). A run places each member whose own qualifying spend of the year
reaches a band in the highest band reached and hands each band's members to a bulk grant
(:mod:`services.loyalty.coupons.batches`) under the grant key ``band:<rule>:<year>``;
the run row, its batches and their due rows are one transaction, and the workers grant.
``add_rule``, ``get_rule``, ``run`` and ``get_run`` flush, never commit."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime

from services.loyalty.coupon_bands import domain, repository
from services.loyalty.coupon_bands.domain import Band
from services.loyalty.coupon_bands.errors import CouponBandRuleNotFound, CouponBandYearAhead
from services.loyalty.coupon_bands.models import BandRule, BandRun
from services.loyalty.coupon_bands.schemas import (
    BandRuleIn,
    BandRuleOut,
    BandRunBandOut,
    BandRunOut,
)
from services.loyalty.coupons import service as coupons
from services.loyalty.coupons.batches import service as batches
from services.loyalty.coupons.errors import CouponDefinitionNotFound
from services.loyalty.tiers import service as tiers
from shared.db import AsyncSession, Sessions, transaction
from shared.inputs import input_defaults

DAILY_JOB_SUBJECT = "daily-job"


async def add_rule(session: AsyncSession, body: BandRuleIn, *, by: str) -> BandRuleOut:
    """Raises :class:`CouponDefinitionNotFound` (404, field ``bands``) for a band naming
    no definition."""
    for band in body.bands:
        try:
            await coupons.get_definition(session, band.definition_id)
        except CouponDefinitionNotFound as missing:
            raise CouponDefinitionNotFound(missing.detail, field="bands") from None
    highest_first = sorted(body.bands, key=lambda band: -band.min_spend_fen)
    row = BandRule(
        name=body.name,
        bands=[band.model_dump(mode="json") for band in highest_first],
        run_on_month=body.run_on_month,
        run_on_day=body.run_on_day,
        created_by=by,
    )
    await repository.add_rule(session, row)
    return BandRuleOut.model_validate(row, from_attributes=True)


async def get_rule(session: AsyncSession, rule_id: uuid.UUID) -> BandRuleOut:
    """Raises :class:`CouponBandRuleNotFound` (404)."""
    return BandRuleOut.model_validate(await _rule(session, rule_id), from_attributes=True)


async def _rule(session: AsyncSession, rule_id: uuid.UUID) -> BandRule:
    row = await repository.rule(session, rule_id)
    if row is None:
        raise CouponBandRuleNotFound(f"No coupon band rule {rule_id}")
    return row


async def run(
    session: AsyncSession, rule_id: uuid.UUID, year: int, *, by: str, now: datetime
) -> BandRunOut:
    """The rule's run for ``year``: the one made before, or a new one placing the members
    by their qualifying spend of the year as it stands ``now``. Raises
    :class:`CouponBandRuleNotFound` (404) or :class:`CouponBandYearAhead` (422, field
    ``year``)."""
    rule = await _rule(session, rule_id)
    zone = input_defaults().business_timezone
    if year > now.astimezone(zone).year:
        raise CouponBandYearAhead(f"{year} has not begun", field="year")
    row = BandRun(rule_id=rule.id, year=year, bands=[], created_at=now, created_by=by)
    if not await repository.claim_run(session, row):
        earlier = await repository.run(session, rule.id, year)
        assert earlier is not None  # the conflict was this row
        return _run_out(earlier)
    bands = [Band(b["min_spend_fen"], uuid.UUID(b["definition_id"])) for b in rule.bands]
    start, end = domain.year_window(year, zone)
    lowest = min(band.min_spend_fen for band in bands)
    placed: dict[Band, list[uuid.UUID]] = defaultdict(list)
    for member_id, spend in await tiers.spenders(session, start, end, lowest):
        band = domain.band_of(bands, spend)
        assert band is not None  # every spender reached the lowest band
        placed[band].append(member_id)
    outcome = []
    for band in bands:
        members = placed.get(band, [])
        batch_id = None
        if members:
            opened = await batches.open_batch(
                session, band.definition_id, domain.grant_key(rule.id, year), members, by=by
            )
            batch_id = str(opened)
        outcome.append(
            {
                "min_spend_fen": band.min_spend_fen,
                "definition_id": str(band.definition_id),
                "members": len(members),
                "batch_id": batch_id,
            }
        )
    stored = await repository.run(session, rule.id, year)
    assert stored is not None
    stored.bands = outcome
    await session.flush()
    return _run_out(stored)


async def get_run(session: AsyncSession, rule_id: uuid.UUID, year: int) -> BandRunOut:
    """Raises :class:`CouponBandRuleNotFound` (404) when the rule never ran for the year."""
    row = await repository.run(session, rule_id, year)
    if row is None:
        raise CouponBandRuleNotFound(f"Coupon band rule {rule_id} did not run for {year}")
    return _run_out(row)


def _run_out(row: BandRun) -> BandRunOut:
    return BandRunOut(
        rule_id=row.rule_id,
        year=row.year,
        bands=[BandRunBandOut.model_validate(band) for band in row.bands],
        created_at=row.created_at,
        created_by=row.created_by,
    )


async def run_scheduled(sessions: Sessions, now: datetime) -> int:
    """Runs, for the year before, every rule scheduled on the brand's day of ``now``, each
    in its own transaction; how many members the new runs placed (a rule that ran for
    the year already places none again)."""
    day = now.astimezone(input_defaults().business_timezone).date()
    async with sessions() as session:
        rule_ids = [rule.id for rule in await repository.rules_run_on(session, day.month, day.day)]
    placed = 0
    for rule_id in rule_ids:
        async with transaction(sessions) as session:
            earlier = await repository.run(session, rule_id, day.year - 1)
            if earlier is not None:
                continue
            done = await run(session, rule_id, day.year - 1, by=DAILY_JOB_SUBJECT, now=now)
            placed += sum(band.members for band in done.bands)
    return placed
