"""The whole ledger's invariants: the kernel's, and those of purchases and returns.

:func:`check_ledger_invariants` is what tests call, and what the fault-injection checker
expects an empty report from. It runs the kernel's checks
(:mod:`services.loyalty.accounts.invariants`: balances, running balances, nothing below
zero, lots) and adds, over the points capability's records:

- ``one_earn_per_purchase``: every purchase loyalty accepted (from
  ``orders.purchase.completed``) has exactly one ledger entry, and every entry whose
  source is a purchase names an accepted one;
- ``one_reversal_per_return``: no return reversed more than once, and every entry whose
  source is a return names a recorded return (a return is reversed as a whole, in
  proportion to its refund, so the return is the unit, not its lines);
- ``reversed_as_recorded``: what a purchase records as reversed is what its returns' and
  its void's entries took back plus their shortfall, and every void entry names an
  accepted purchase;
- ``earned_by_rules``: each purchase earned what the earning rules give when it is
  replayed (its kept lines, vouchers, store, day and tier, the points the member earned
  before on its day) by the version that rated it, its kept lines add up to its total
  and its breakdown to its points; so
  the points earned add up to what the rules say. A purchase recorded before loyalty kept
  its lines is replayed as one line of its total by the version in force at its time.
- the tier standings' (:mod:`services.loyalty.tiers.invariants`): ``qualified_as_purchased``
  and ``standing``.
- ``reward_stock`` and ``reward_orders``: the rewards catalog's stock and orders agree
  with its stock changes and the ledger (:mod:`services.loyalty.rewards.invariants`).
- ``campaign_budgets`` (unrestricted checks only): campaigns' budgets used are what the
  purchases' breakdowns say they gave (:mod:`services.loyalty.campaigns.invariants`).
- ``coupon_issues`` and ``coupon_member_limit``: no definition issued past its quantity
  or budget or other than the coupons granted of it, no member past its per-member limit
  (:mod:`services.loyalty.coupons.invariants`); ``coupon_batch_grants``: every member a
  bulk grant counts as granted holds that batch's coupon.

and the checks of staff adjustments (``adjusted_as_audited``,
:mod:`services.loyalty.adjustments.invariants`) and of shortfall recoveries
(``recovered_as_recorded``, :mod:`services.loyalty.shortfalls.invariants`).

It reads the tables directly: it is an audit over one snapshot, not a use case.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select, union_all

from services.loyalty.accounts.invariants import (
    Invariant,
    Scope,
    Violation,
    counts,
    kernel_violations,
)
from services.loyalty.accounts.models import LedgerEntry
from services.loyalty.accounts.pools.invariants import pool_violations
from services.loyalty.adjustments.invariants import adjustment_violations
from services.loyalty.campaigns.invariants import budget_violations
from services.loyalty.coupons.invariants import coupon_violations
from services.loyalty.points import repository
from services.loyalty.points.models import Purchase, PurchaseReturn
from services.loyalty.rewards.invariants import reward_violations
from services.loyalty.rules import service as rules
from services.loyalty.rules.domain import RuleSet, rate
from services.loyalty.shortfalls.invariants import recovery_violations
from services.loyalty.tiers.invariants import tier_violations
from shared.db import AsyncSession

_ledger = LedgerEntry.__table__  # type: ignore[attr-defined]
_purchases = Purchase.__table__  # type: ignore[attr-defined]
_returns = PurchaseReturn.__table__  # type: ignore[attr-defined]

__all__ = ["Invariant", "LedgerReport", "Violation", "check_ledger_invariants"]


@dataclass(frozen=True)
class LedgerReport:
    accounts: int
    entries: int
    purchases: int
    points_earned: int
    """The sum of the entries of purchases."""
    points_by_rules: int
    """What the rules give for the purchases whose tier is known."""
    unrated_purchases: int
    """Purchases recorded before loyalty kept their tier; the rules cannot be applied."""
    violations: tuple[Violation, ...]

    @property
    def ok(self) -> bool:
        return not self.violations

    def of(self, invariant: Invariant) -> list[Violation]:
        return [v for v in self.violations if v.invariant is invariant]

    def __str__(self) -> str:
        summary = (
            f"{self.accounts} accounts, {self.entries} entries, {self.purchases} purchases; "
            f"{self.points_earned} points earned, {self.points_by_rules} by the rules"
            + (f" ({self.unrated_purchases} purchases unrated)" if self.unrated_purchases else "")
            + f"; {len(self.violations)} violations"
        )
        return "\n".join([summary, *(f"  {violation}" for violation in self.violations)])


async def check_ledger_invariants(
    session: AsyncSession,
    *,
    rules_instead: RuleSet | None = None,
    members: Collection[uuid.UUID] | None = None,
) -> LedgerReport:
    """Every violation of the ledger's invariants (see the module), over one snapshot.

    ``session`` is on the loyalty schema (the service role or a superuser). Purchases are
    replayed by the version of the earning rules that rated them; ``rules_instead``
    replays them all by other rules (e.g. the program a load generator meant to set).
    ``members`` limits the check to the accounts those members hold, their entries and
    the purchases those accounts earned on.
    """
    if not session.in_transaction():
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    scope = Scope(members)
    violations = [
        *await kernel_violations(session, scope),
        *await pool_violations(session, scope),
        *await _orphan_entries(session, scope),
        *await _double_reversals(session, scope),
        *await _reversals_recorded(session, scope),
        *await tier_violations(session, _purchases, scope, members),
        *await adjustment_violations(session, scope),
        *await recovery_violations(session, scope),
        *await reward_violations(session, scope),
        *await coupon_violations(session, scope),
    ]
    purchases = await _purchases_earned(session, scope)
    replayed, by_campaign = await _replayed(session, scope, rules_instead)
    if not scope.restricted:  # a campaign's budget is drawn by every account's purchases
        violations += await budget_violations(session, by_campaign)
    points_by_rules = unrated = earned_total = 0
    for row in purchases:
        earned_total += row.earned
        if row.earns != 1:
            violations.append(
                Violation(
                    Invariant.ONE_EARN_PER_PURCHASE,
                    row.purchase_id,
                    f"purchase {row.purchase_id} has {row.earns} earn entries",
                )
            )
        if row.tier_code is None:
            unrated += 1
            continue
        expected, breakdown, lines_fen = replayed[row.purchase_id]
        points_by_rules += expected
        if row.earns == 1 and (row.earned, row.points_earned) != (expected, expected):
            violations.append(
                Violation(
                    Invariant.EARNED_BY_RULES,
                    row.purchase_id,
                    f"purchase {row.purchase_id} ({row.total_fen} fen at tier {row.tier_code}) "
                    f"earned {row.earned} (the purchase records {row.points_earned}); "
                    f"the rules give {expected}",
                )
            )
        elif lines_fen != row.total_fen:
            violations.append(
                Violation(
                    Invariant.EARNED_BY_RULES,
                    row.purchase_id,
                    f"purchase {row.purchase_id}'s lines add up to {lines_fen} fen, "
                    f"its total is {row.total_fen}",
                )
            )
        elif breakdown is not None and breakdown != row.points_earned:
            violations.append(
                Violation(
                    Invariant.EARNED_BY_RULES,
                    row.purchase_id,
                    f"purchase {row.purchase_id}'s breakdown adds up to {breakdown}, "
                    f"it earned {row.points_earned}",
                )
            )
    total = await counts(session, scope)
    return LedgerReport(
        accounts=total.accounts,
        entries=total.entries,
        purchases=len(purchases),
        points_earned=earned_total + await _orphan_earned(session, scope),
        points_by_rules=points_by_rules,
        unrated_purchases=unrated,
        violations=tuple(violations),
    )


async def _replayed(
    session: AsyncSession, scope: Scope, rules_instead: RuleSet | None
) -> tuple[dict[uuid.UUID, tuple[int, int | None, int]], dict[uuid.UUID, int]]:
    """Each purchase's points by the rules replayed plus what its breakdown says campaigns
    gave (their budgets are checked by :mod:`services.loyalty.campaigns.invariants`), the
    sum of its kept breakdown and of its kept lines; and the points each campaign gave.

    Purchases are replayed in the order their earn entries were appended (the order they
    were rated in, under the member's account lock), so the points a member earned before
    on a day are what the cap per member per day saw then.
    """
    versions = await rules.versions(session)
    by_number = {version.number: version for version in versions}
    earn = (
        select(_ledger.c.source_id, _ledger.c.seq)
        .where(_ledger.c.source_type == "purchase")
        .subquery()
    )
    query = (
        repository.stored_purchases(scope=scope)
        .order_by(None)
        .join(earn, earn.c.source_id == _purchases.c.purchase_id, isouter=True)
        .order_by(earn.c.seq, _purchases.c.created_at)
    )
    earned_on: dict[tuple[uuid.UUID, date], int] = {}
    replayed: dict[uuid.UUID, tuple[int, int | None, int]] = {}
    by_campaign: dict[uuid.UUID, int] = {}
    for row in await session.execute(query):
        if row.tier_code is None:
            continue
        version = by_number.get(row.rule_version) if row.rule_version is not None else None
        rule_set = rules_instead or (version or rules.in_force(versions, row.made_at)).rules
        day = rules.local_day(row.made_at)
        sale = rules.stored_sale(
            lines=row.lines,
            total_fen=row.total_fen,
            vouchers_fen=row.vouchers_fen,
            store_id=row.store_id,
            day=day,
            tier_code=row.tier_code,
        )
        earned = earned_on.get((row.member_id, day), 0)
        rating = rate(sale, rule_set, earned_today=earned)
        if row.lines is not None:  # the cap counts purchases that kept their sale time
            earned_on[(row.member_id, day)] = earned + row.points_earned
        kept = sum(c["points"] for c in row.breakdown) if row.breakdown is not None else None
        by_campaigns = 0
        for given in row.breakdown or ():
            if "campaign_id" in given:
                campaign = uuid.UUID(given["campaign_id"])
                by_campaign[campaign] = by_campaign.get(campaign, 0) + given["points"]
                by_campaigns += given["points"]
        lines_fen = sum(line.amount_fen for line in sale.lines)
        replayed[row.purchase_id] = (rating.points + by_campaigns, kept, lines_fen)
    return replayed, by_campaign


async def _orphan_entries(session: AsyncSession, scope: Scope) -> list[Violation]:
    """Entries whose source is a purchase, a return or a void loyalty has no record of (a
    void's id is its purchase's)."""
    violations: list[Violation] = []
    for source_type, table, key, invariant, what in (
        ("purchase", _purchases, "purchase_id", Invariant.ONE_EARN_PER_PURCHASE, "accepted"),
        ("return", _returns, "return_id", Invariant.ONE_REVERSAL_PER_RETURN, "recorded"),
        ("void", _purchases, "purchase_id", Invariant.REVERSED_AS_RECORDED, "accepted"),
    ):
        query = (
            select(_ledger.c.account_id, _ledger.c.source_id, _ledger.c.seq)
            .outerjoin(table, table.c[key] == _ledger.c.source_id)
            .where(
                _ledger.c.source_type == source_type,
                table.c[key].is_(None),
                scope(_ledger.c.account_id),
            )
        )
        violations += [
            Violation(
                invariant,
                row.source_id,
                f"account {row.account_id}'s entry #{row.seq} names {source_type} "
                f"{row.source_id}, which loyalty never {what}",
            )
            for row in await session.execute(query)
        ]
    return violations


async def _orphan_earned(session: AsyncSession, scope: Scope) -> int:
    """Points of purchase entries naming no accepted purchase (counted as earned all the same)."""
    query = (
        select(func.coalesce(func.sum(_ledger.c.points), 0))
        .outerjoin(_purchases, _purchases.c.purchase_id == _ledger.c.source_id)
        .where(
            _ledger.c.source_type == "purchase",
            _purchases.c.purchase_id.is_(None),
            scope(_ledger.c.account_id),
        )
    )
    return int(await session.scalar(query) or 0)


async def _double_reversals(session: AsyncSession, scope: Scope) -> list[Violation]:
    query = (
        select(_ledger.c.source_id, func.count().label("reversals"))
        .where(_ledger.c.source_type == "return", scope(_ledger.c.account_id))
        .group_by(_ledger.c.source_id)
        .having(func.count() > 1)
    )
    return [
        Violation(
            Invariant.ONE_REVERSAL_PER_RETURN,
            row.source_id,
            f"return {row.source_id} was reversed {row.reversals} times",
        )
        for row in await session.execute(query)
    ]


async def _reversals_recorded(session: AsyncSession, scope: Scope) -> list[Violation]:
    by_returns = select(
        _returns.c.purchase_id, (_ledger.c.shortfall - _ledger.c.points).label("charged")
    ).join(
        _ledger,
        (_ledger.c.source_type == "return") & (_ledger.c.source_id == _returns.c.return_id),
    )
    by_voids = select(
        _ledger.c.source_id.label("purchase_id"),
        (_ledger.c.shortfall - _ledger.c.points).label("charged"),
    ).where(_ledger.c.source_type == "void")
    reversals = union_all(by_returns, by_voids).subquery()
    reversed_ = (
        select(reversals.c.purchase_id, func.sum(reversals.c.charged).label("charged"))
        .group_by(reversals.c.purchase_id)
        .subquery()
    )
    charged = func.coalesce(reversed_.c.charged, 0)
    query = (
        select(_purchases.c.purchase_id, _purchases.c.points_reversed, charged.label("charged"))
        .outerjoin(reversed_, reversed_.c.purchase_id == _purchases.c.purchase_id)
        .where(_purchases.c.points_reversed != charged, scope(_purchases.c.account_id))
    )
    return [
        Violation(
            Invariant.REVERSED_AS_RECORDED,
            row.purchase_id,
            f"purchase {row.purchase_id} records {row.points_reversed} points reversed, "
            f"its reversals account for {row.charged}",
        )
        for row in await session.execute(query)
    ]


async def _purchases_earned(session: AsyncSession, scope: Scope) -> list[Any]:
    """Each accepted purchase with the number and sum of its entries."""
    earns = (
        select(
            _ledger.c.source_id.label("purchase_id"),
            func.count().label("earns"),
            func.sum(_ledger.c.points).label("earned"),
        )
        .where(_ledger.c.source_type == "purchase")
        .group_by(_ledger.c.source_id)
        .subquery()
    )
    query = (
        select(
            _purchases.c.purchase_id,
            _purchases.c.total_fen,
            _purchases.c.tier_code,
            _purchases.c.points_earned,
            func.coalesce(earns.c.earns, 0).label("earns"),
            func.coalesce(earns.c.earned, 0).label("earned"),
        )
        .outerjoin(earns, earns.c.purchase_id == _purchases.c.purchase_id)
        .where(scope(_purchases.c.account_id))
        .order_by(_purchases.c.created_at)
    )
    return list((await session.execute(query)).all())
