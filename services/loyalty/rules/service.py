"""The earning rules' use cases: versions put and read, and sales rated by the version of
their time.

A version is never changed: ``PUT /program/earning-rules`` adds one in force from a given
time (now or later, never earlier), so a sale already rated keeps its points, and a
sale is rated by the version in force at its own time (``purchased_at``), whenever its
event arrives. The simple form (``PUT /program/earning-rule``) is a thin alias: a new
version, in force now, of the rules in force with the base rate and tier multipliers
replaced. Changing the rules holds the program's lock ``FOR UPDATE`` like a ladder change.
Use cases flush, never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from services.loyalty.program.errors import UnknownTier
from services.loyalty.program.schemas import EarningRuleIn, EarningRuleOut
from services.loyalty.program.service import (
    current_ladder,
    kept_read,
    locked_for_change,
)
from services.loyalty.rules import domain, repository
from services.loyalty.rules.categories import categorised
from services.loyalty.rules.domain import Line, Rating, RuleSet, Sale
from services.loyalty.rules.models import EarningRuleVersion
from services.loyalty.rules.schemas import (
    MAX_VERSIONS_SHOWN,
    EarningRulesIn,
    EarningRulesOut,
    RuleSetIn,
    RuleVersionOut,
)
from shared.db import AsyncSession
from shared.events.orders import PurchaseCompleted
from shared.inputs import input_defaults
from shared.kept import Kept

EarnedBetween = Callable[[datetime, datetime], Awaitable[int]]
"""Points the member earned on sales made from the first time to before the second."""


def rule_set(rules: RuleSetIn) -> RuleSet:
    """The domain's rule set from its body."""
    return stored_rule_set(rules.model_dump(mode="json"))


def stored_rule_set(rules: Mapping[str, Any]) -> RuleSet:
    """The domain's rule set from a version's JSON (a :class:`RuleSetIn` as JSON), read
    without validating it again: a version written once is rated by as it was, even after
    a setting the body was checked against (the earliest trading date) changed."""
    return RuleSet(
        points_per_yuan=rules["points_per_yuan"],
        tier_multipliers=dict(rules.get("tier_multipliers_percent", {})),
        category_multipliers=dict(rules.get("category_multipliers_percent", {})),
        sku_multipliers=dict(rules.get("sku_multipliers_percent", {})),
        store_multipliers={
            uuid.UUID(store): percent
            for store, percent in rules.get("store_multipliers_percent", {}).items()
        },
        member_days=tuple(
            domain.MemberDay(
                name=day["name"],
                multiplier_percent=day["multiplier_percent"],
                weekdays=frozenset(day.get("weekdays", ())),
                month_days=frozenset(day.get("month_days", ())),
                dates=frozenset(date.fromisoformat(d) for d in day.get("dates", ())),
            )
            for day in rules.get("member_days", ())
        ),
        bonuses=tuple(
            domain.Bonus(bonus["threshold_fen"], bonus["points"])
            for bonus in rules.get("threshold_bonuses", ())
        ),
        excluded_categories=frozenset(rules.get("excluded_categories", ())),
        excluded_skus=frozenset(rules.get("excluded_skus", ())),
        minimum_spend_fen=rules.get("minimum_spend_fen", 0),
        cap_per_sale=rules.get("cap_per_sale"),
        cap_per_member_day=rules.get("cap_per_member_day"),
    )


@dataclass(frozen=True)
class Version:
    number: int
    effective_from: datetime
    rules: RuleSet


def _version(row: EarningRuleVersion) -> Version:
    assert row.version is not None
    return Version(row.version, row.effective_from, stored_rule_set(row.rules))


def _version_out(row: EarningRuleVersion) -> RuleVersionOut:
    return RuleVersionOut.model_validate(
        {
            **row.rules,
            "version": row.version,
            "effective_from": row.effective_from,
            "created_at": row.created_at,
        }
    )


async def _check_tiers(session: AsyncSession, codes: Sequence[str]) -> None:
    """Raises :class:`UnknownTier` (422) for a code not on the ladder; takes the program's
    lock ``FOR UPDATE`` first, so the ladder cannot change before the version is written."""
    ladder = await locked_for_change(session)
    known = {rung.code for rung in ladder}
    unknown = sorted(code for code in codes if code not in known)
    if unknown:
        raise UnknownTier(
            f"tier_multipliers_percent names {', '.join(map(repr, unknown))}, an unknown tier "
            f"in the ladder (tiers: {', '.join(rung.code for rung in ladder)})",
            field="tier_multipliers_percent",
            unknown_tiers=unknown,
        )


async def put_rules(session: AsyncSession, data: EarningRulesIn) -> RuleVersionOut:
    """Adds a version in force from ``data.effective_from`` (now if None). Raises
    :class:`UnknownTier` (422)."""
    await _check_tiers(session, list(data.tier_multipliers_percent))
    rules = data.model_dump(mode="json", exclude={"effective_from"})
    number = await repository.add(session, data.effective_from, rules)
    row = await repository.version(session, number)
    assert row is not None
    await session.refresh(row)
    return _version_out(row)


async def get_rules(session: AsyncSession) -> EarningRulesOut:
    in_force = await repository.in_force_at(
        session, datetime.now(input_defaults().business_timezone)
    )
    latest = await repository.latest(session, MAX_VERSIONS_SHOWN)
    return EarningRulesOut(
        in_force=_version_out(in_force), versions=[_version_out(row) for row in latest]
    )


async def get_earning_rule(session: AsyncSession) -> EarningRuleOut:
    """The simple form of the version in force: base rate and the multipliers of the tiers
    on the ladder (a removed tier's multiplier matches no one)."""
    row = await repository.in_force_at(session, datetime.now(UTC))
    codes = {rung.code for rung in await current_ladder(session)}
    multipliers = row.rules.get("tier_multipliers_percent", {})
    return EarningRuleOut(
        points_per_yuan=row.rules["points_per_yuan"],
        tier_multipliers_percent={c: p for c, p in multipliers.items() if c in codes},
        updated_at=row.created_at,
    )


def tier_multiplier(multipliers: Mapping[str, int], tier_code: str) -> int:
    """A tier's multiplier in percent from the simple form's ``tier_multipliers_percent``:
    100 (×1) for a tier it leaves out."""
    return multipliers.get(tier_code, domain.FULL_RATE_PERCENT)


async def set_earning_rule(session: AsyncSession, data: EarningRuleIn) -> EarningRuleOut:
    """The simple form: a new version in force now, the rules in force with their base rate
    and tier multipliers replaced. Raises :class:`UnknownTier` (422)."""
    await _check_tiers(session, list(data.tier_multipliers_percent))
    row = await repository.in_force_at(session, datetime.now(UTC))
    # both parts were checked when they were written: the rules in force when put, ``data`` now
    await repository.add(session, None, {**row.rules, **data.model_dump(mode="json")})
    return await get_earning_rule(session)


def local_day(when: datetime) -> date:
    """The day of ``when`` in the brand's timezone."""
    return when.astimezone(input_defaults().business_timezone).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Midnight starting ``day`` and the next, in the brand's timezone."""
    zone = input_defaults().business_timezone
    start = datetime.combine(day, time(), zone)
    return start, datetime.combine(day + timedelta(days=1), time(), zone)


def vouchers_of(purchase: PurchaseCompleted) -> int:
    """Fen the sale's vouchers paid: a discount, unlike points or stored value."""
    if purchase.receipt is None:
        return 0
    return sum(t.amount_fen for t in purchase.receipt.tenders if t.kind == "voucher")


@dataclass(frozen=True)
class Rated:
    """A purchase rated: the version that rated it, the sale as the rules saw it, and the
    rating (points and breakdown)."""

    version: int
    sale: Sale
    rating: Rating
    points_per_yuan: int
    """The version's base rate, for what campaigns add on top."""
    campaigns: tuple[uuid.UUID, ...] = ()
    """The campaigns the sale reached (see :func:`services.loyalty.campaigns.service.add_to`)."""

    @property
    def points(self) -> int:
        return self.rating.points

    def plus(
        self, extra: Sequence[domain.Contribution], campaigns: Sequence[uuid.UUID] = ()
    ) -> Rated:
        """The purchase with ``extra`` points (campaigns') added to its rating, reached by
        ``campaigns``."""
        rating = replace(
            self.rating,
            points=self.rating.points + sum(c.points for c in extra),
            contributions=(*self.rating.contributions, *extra),
        )
        return replace(self, rating=rating, campaigns=(*self.campaigns, *campaigns))

    def kept(self) -> dict[str, Any]:
        """What the purchase keeps for replays: ``vouchers_fen``, ``lines`` (``[{line_no,
        sku, categories, amount_fen}]``), ``rule_version`` and ``breakdown`` (``[{rule,
        points}]``)."""
        return {
            "vouchers_fen": self.sale.vouchers_fen,
            "lines": [
                {
                    "line_no": line.line_no,
                    "sku": line.sku,
                    "categories": list(line.categories),
                    "amount_fen": line.amount_fen,
                }
                for line in self.sale.lines
            ],
            "rule_version": self.version,
            "breakdown": [_kept(c) for c in self.rating.contributions],
        }


def _kept(contribution: domain.Contribution) -> dict[str, Any]:
    kept: dict[str, Any] = {"rule": contribution.rule, "points": contribution.points}
    if contribution.campaign_id is not None:
        kept["campaign_id"] = str(contribution.campaign_id)
    return kept


async def rate_purchase(
    session: AsyncSession,
    purchase: PurchaseCompleted,
    tier_code: str,
    earned_between: EarnedBetween,
) -> Rated:
    """Rates the purchase by the version in force at its ``purchased_at``, the member at
    ``tier_code``. ``earned_between`` is asked only when that version caps points per member
    per day, for the sale's day in the brand's timezone. The caller holds the program's
    lock (``locked_program``) and the member's account, so neither changes meanwhile."""
    version = in_force(await _locked_versions(session), purchase.purchased_at)
    day = local_day(purchase.purchased_at)
    sale = Sale(
        lines=await categorised(session, purchase.lines, purchase.total_fen),
        vouchers_fen=vouchers_of(purchase),
        store_id=purchase.store_id,
        day=day,
        tier_code=tier_code,
    )
    earned = await earned_between(*day_bounds(day)) if version.rules.caps_per_day else 0
    rating = domain.rate(sale, version.rules, earned_today=earned)
    return Rated(version.number, sale, rating, version.rules.points_per_yuan)


_VERSIONS: Kept[tuple[Version, ...]] = Kept()


async def _locked_versions(session: AsyncSession) -> list[Version]:
    """Every version, holding the program's lock: no version can be added before it is
    released; kept across batches while the program's tokens stand (``kept_read``)."""

    async def load() -> tuple[Version, ...]:
        return tuple(await versions(session))

    kept = await kept_read(session, _VERSIONS, load)
    return list(kept)


async def version_at(session: AsyncSession, when: datetime) -> Version:
    """The version in force at ``when``."""
    return _version(await repository.in_force_at(session, when))


async def versions(session: AsyncSession) -> list[Version]:
    """Every version, earliest effective first (for replays)."""
    return [_version(row) for row in await repository.every_version(session)]


def in_force(versions: Sequence[Version], when: datetime) -> Version:
    """Of ``versions`` (earliest effective first), the one in force at ``when``."""
    current = versions[0]
    for candidate in versions:
        if candidate.effective_from > when:
            break
        current = candidate
    return current


def stored_sale(
    *,
    lines: list[dict[str, Any]] | None,
    total_fen: int,
    vouchers_fen: int | None,
    store_id: uuid.UUID | None,
    day: date,
    tier_code: str | None,
) -> Sale:
    """A stored purchase as the rules see it: one recorded before loyalty kept its lines is
    one uncategorised line of its total, without vouchers, store or tier multiplier."""
    kept = (
        tuple(
            Line(line["line_no"], line["sku"], tuple(line["categories"]), line["amount_fen"])
            for line in lines
        )
        if lines is not None
        else (Line(0, "", (), total_fen),)
    )
    return Sale(kept, vouchers_fen or 0, store_id or uuid.UUID(int=0), day, tier_code or "")
