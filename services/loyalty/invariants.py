"""The points ledger's invariants, checked against the database.

The database already refuses most ways to break the ledger (see
:class:`~services.loyalty.models.LedgerEntry`). This check covers what constraints cannot
express, and finds whatever got past them (a superuser's edit, a restored backup, a bug):
tests call it, and after a fault-injection run the checker expects an empty report.

- ``balance``: every account's cached balance is the sum of its entries, and every
  entry belongs to an account;
- ``running_balance``: each entry's ``balance_after`` is the sum of the member's entries
  up to it (what the member sees in their ledger);
- ``negative_balance``: no balance, cached or after any entry, below zero;
- ``one_earn_per_purchase``: every purchase loyalty accepted (from
  ``orders.purchase.completed``) has exactly one earn entry, and every earn entry names an
  accepted purchase;
- ``one_reversal_per_return``: no return reversed more than once (a return is reversed as
  a whole, in proportion to its refund, so the return is the unit, not its lines);
- ``reversed_as_recorded``: what a purchase records as reversed is what its reversal
  entries took back plus their shortfall;
- ``earned_by_rules``: each purchase earned what the earning rule gives for its total at
  the tier it was made in, so the points earned add up to what the rules say.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Row, func, literal, or_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Mapped
from sqlmodel import col

from services.loyalty import domain, repository
from services.loyalty.models import Account, LedgerEntry, Purchase
from shared.db import AsyncSession

EarningRulePoints = Callable[[int, str], int]
"""Points the rules give for a purchase of ``total_fen`` made at tier ``tier_code``."""


def rule_points(points_per_yuan: int, multipliers: Mapping[str, int]) -> EarningRulePoints:
    """The earning rule as a function, e.g. the program a load generator configured."""

    def points(total_fen: int, tier_code: str) -> int:
        multiplier = domain.multiplier_of(multipliers, tier_code)
        return domain.points_for(total_fen, points_per_yuan, multiplier)

    return points


class Invariant(StrEnum):
    BALANCE = "balance"
    RUNNING_BALANCE = "running_balance"
    NEGATIVE_BALANCE = "negative_balance"
    ONE_EARN_PER_PURCHASE = "one_earn_per_purchase"
    ONE_REVERSAL_PER_RETURN = "one_reversal_per_return"
    REVERSED_AS_RECORDED = "reversed_as_recorded"
    EARNED_BY_RULES = "earned_by_rules"


@dataclass(frozen=True)
class Violation:
    invariant: Invariant
    subject: uuid.UUID
    """The member, purchase or return concerned (the invariant says which)."""
    detail: str

    def __str__(self) -> str:
        return f"{self.invariant}: {self.detail}"


@dataclass(frozen=True)
class LedgerReport:
    accounts: int
    entries: int
    purchases: int
    points_earned: int
    """The sum of the earn entries."""
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


class _Scope:
    """Restricts every query to some members, or none."""

    def __init__(self, members: Collection[uuid.UUID] | None) -> None:
        self._members = list(members) if members is not None else None

    def __call__(self, member_id: ColumnElement[Any] | Mapped[Any]) -> ColumnElement[bool]:
        return literal(True) if self._members is None else member_id.in_(self._members)


async def check_ledger_invariants(
    session: AsyncSession,
    *,
    earning_rule_points: EarningRulePoints | None = None,
    members: Collection[uuid.UUID] | None = None,
) -> LedgerReport:
    """Every violation of the ledger's invariants (see the module), over one snapshot.

    ``session`` is on the loyalty schema (the service role or a superuser). The rules
    default to the current earning rule; pass ``earning_rule_points`` when the purchases
    were made under another one. ``members`` limits the check to those members' accounts,
    entries and purchases.
    """
    if not session.in_transaction():
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    if earning_rule_points is None:
        rule = await repository.earning_rule(session)
        earning_rule_points = rule_points(rule.points_per_yuan, rule.tier_multipliers_percent)
    scope = _Scope(members)
    violations = [
        *await _balances(session, scope),
        *await _running_balances(session, scope),
        *await _negative_balances(session, scope),
        *await _orphan_earns(session, scope),
        *await _double_reversals(session, scope),
        *await _reversals_recorded(session, scope),
    ]
    purchases = await _purchases(session, scope)
    points_by_rules = unrated = 0
    for row in purchases:
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
        expected = earning_rule_points(row.total_fen, row.tier_code)
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
    totals = (
        await session.execute(
            select(
                select(func.count())
                .select_from(Account)
                .where(scope(col(Account.member_id)))
                .scalar_subquery(),
                select(func.count())
                .select_from(LedgerEntry)
                .where(scope(col(LedgerEntry.member_id)))
                .scalar_subquery(),
                select(func.coalesce(func.sum(col(LedgerEntry.points)), 0))
                .where(col(LedgerEntry.kind) == "earn", scope(col(LedgerEntry.member_id)))
                .scalar_subquery(),
            )
        )
    ).one()
    return LedgerReport(
        accounts=totals[0],
        entries=totals[1],
        purchases=len(purchases),
        points_earned=int(totals[2]),
        points_by_rules=points_by_rules,
        unrated_purchases=unrated,
        violations=tuple(violations),
    )


async def _balances(session: AsyncSession, scope: _Scope) -> list[Violation]:
    sums = (
        select(
            col(LedgerEntry.member_id).label("member_id"),
            func.sum(col(LedgerEntry.points)).label("total"),
        )
        .where(scope(col(LedgerEntry.member_id)))
        .group_by(col(LedgerEntry.member_id))
        .subquery()
    )
    query = (
        select(
            func.coalesce(col(Account.member_id), sums.c.member_id).label("member_id"),
            col(Account.balance),
            func.coalesce(sums.c.total, 0).label("total"),
        )
        .select_from(Account)
        .join(sums, sums.c.member_id == col(Account.member_id), full=True)
        .where(
            scope(func.coalesce(col(Account.member_id), sums.c.member_id)),
            or_(
                col(Account.member_id).is_(None),
                col(Account.balance) != func.coalesce(sums.c.total, 0),
            ),
        )
    )
    return [
        Violation(
            Invariant.BALANCE,
            row.member_id,
            f"member {row.member_id} has entries summing to {row.total} but no account"
            if row.balance is None
            else f"member {row.member_id}'s balance is {row.balance}, "
            f"its entries sum to {row.total}",
        )
        for row in await session.execute(query)
    ]


async def _running_balances(session: AsyncSession, scope: _Scope) -> list[Violation]:
    """The first entry of each member whose ``balance_after`` leaves the running sum."""
    running = (
        select(
            col(LedgerEntry.member_id),
            col(LedgerEntry.seq),
            col(LedgerEntry.balance_after),
            func.sum(col(LedgerEntry.points))
            .over(partition_by=col(LedgerEntry.member_id), order_by=col(LedgerEntry.seq))
            .label("running"),
        )
        .where(scope(col(LedgerEntry.member_id)))
        .subquery()
    )
    query = (
        select(running)
        .where(running.c.balance_after != running.c.running)
        .ext(distinct_on(running.c.member_id))
        .order_by(running.c.member_id, running.c.seq)
    )
    return [
        Violation(
            Invariant.RUNNING_BALANCE,
            row.member_id,
            f"member {row.member_id}'s entry #{row.seq} shows a balance of "
            f"{row.balance_after}, the entries up to it sum to {row.running}",
        )
        for row in await session.execute(query)
    ]


async def _negative_balances(session: AsyncSession, scope: _Scope) -> list[Violation]:
    accounts = select(col(Account.member_id), col(Account.balance)).where(
        col(Account.balance) < 0, scope(col(Account.member_id))
    )
    entries = select(
        col(LedgerEntry.member_id), col(LedgerEntry.seq), col(LedgerEntry.balance_after)
    ).where(col(LedgerEntry.balance_after) < 0, scope(col(LedgerEntry.member_id)))
    return [
        Violation(
            Invariant.NEGATIVE_BALANCE,
            row.member_id,
            f"member {row.member_id}'s balance is {row.balance}",
        )
        for row in await session.execute(accounts)
    ] + [
        Violation(
            Invariant.NEGATIVE_BALANCE,
            row.member_id,
            f"member {row.member_id}'s entry #{row.seq} leaves a balance of {row.balance_after}",
        )
        for row in await session.execute(entries)
    ]


async def _orphan_earns(session: AsyncSession, scope: _Scope) -> list[Violation]:
    query = (
        select(col(LedgerEntry.member_id), col(LedgerEntry.purchase_id), col(LedgerEntry.seq))
        .outerjoin(Purchase, col(Purchase.purchase_id) == col(LedgerEntry.purchase_id))
        .where(
            col(LedgerEntry.kind) == "earn",
            col(Purchase.purchase_id).is_(None),
            scope(col(LedgerEntry.member_id)),
        )
    )
    return [
        Violation(
            Invariant.ONE_EARN_PER_PURCHASE,
            row.purchase_id or row.member_id,
            f"member {row.member_id}'s earn entry #{row.seq} names "
            + (
                f"purchase {row.purchase_id}, which loyalty never accepted"
                if row.purchase_id
                else "no purchase"
            ),
        )
        for row in await session.execute(query)
    ]


async def _double_reversals(session: AsyncSession, scope: _Scope) -> list[Violation]:
    query = (
        select(col(LedgerEntry.return_id), func.count().label("reversals"))
        .where(
            col(LedgerEntry.kind) == "reverse",
            col(LedgerEntry.return_id).is_not(None),
            scope(col(LedgerEntry.member_id)),
        )
        .group_by(col(LedgerEntry.return_id))
        .having(func.count() > 1)
    )
    return [
        Violation(
            Invariant.ONE_REVERSAL_PER_RETURN,
            row.return_id,
            f"return {row.return_id} was reversed {row.reversals} times",
        )
        for row in await session.execute(query)
    ]


async def _reversals_recorded(session: AsyncSession, scope: _Scope) -> list[Violation]:
    reversed_ = (
        select(
            col(LedgerEntry.purchase_id).label("purchase_id"),
            func.sum(col(LedgerEntry.shortfall) - col(LedgerEntry.points)).label("charged"),
        )
        .where(col(LedgerEntry.kind) == "reverse")
        .group_by(col(LedgerEntry.purchase_id))
        .subquery()
    )
    charged = func.coalesce(reversed_.c.charged, 0)
    query = (
        select(col(Purchase.purchase_id), col(Purchase.points_reversed), charged.label("charged"))
        .outerjoin(reversed_, reversed_.c.purchase_id == col(Purchase.purchase_id))
        .where(col(Purchase.points_reversed) != charged, scope(col(Purchase.member_id)))
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


async def _purchases(session: AsyncSession, scope: _Scope) -> list[Row[Any]]:
    """Each accepted purchase with the number and sum of its earn entries."""
    earns = (
        select(
            col(LedgerEntry.purchase_id).label("purchase_id"),
            func.count().label("earns"),
            func.sum(col(LedgerEntry.points)).label("earned"),
        )
        .where(col(LedgerEntry.kind) == "earn")
        .group_by(col(LedgerEntry.purchase_id))
        .subquery()
    )
    query = (
        select(
            col(Purchase.purchase_id),
            col(Purchase.total_fen),
            col(Purchase.tier_code),
            col(Purchase.points_earned),
            func.coalesce(earns.c.earns, 0).label("earns"),
            func.coalesce(earns.c.earned, 0).label("earned"),
        )
        .outerjoin(earns, earns.c.purchase_id == col(Purchase.purchase_id))
        .where(scope(col(Purchase.member_id)))
        .order_by(col(Purchase.created_at))
    )
    return list((await session.execute(query)).all())
