"""The points kernel's invariants, checked against the database.

The database already refuses most ways to break the ledger (see
:class:`~services.loyalty.accounts.models.LedgerEntry`). These checks cover what
constraints cannot express, and find whatever got past them (a superuser's edit, a
restored backup, a bug). They are the kernel's part of
:func:`services.loyalty.points.invariants.check_ledger_invariants`, which adds the checks
of purchases and returns (they are the points capability's records, above the kernel):

- ``balance``: every account's cached balance is the sum of its entries, and every
  entry belongs to an account;
- ``running_balance``: each entry's ``balance_after`` is the sum of the account's entries
  up to it (what the holders see in their ledger);
- ``negative_balance``: no balance, cached or after any entry, below zero;
- ``lots``: an account's lots hold its whole balance (their ``remaining`` add up to it),
  the lots naming an entry are on its account and add up to its credit (one lot, or one
  per lot a credit that gives points back restored), and the draws naming an entry took
  from its account's lots what it debited. (A credit without a lot of its own, a debit
  without draws, is no fault by itself: those made before lots, or draws, existed have
  none.)
- pooled accounts' (:mod:`services.loyalty.accounts.pools.invariants`, run with the
  purchases' checks): ``households`` (a member's own account is pooled into an account
  exactly when they hold that account as a household member, a pooled account holds no
  points, and no account is both owned and a household's) and ``transfers`` (every
  transfer is two entries with its id, points out of one account and the same points
  into another);
- ``expired_lots``: every ``expiry`` entry names a lot of its own account that has an
  expiry, holds nothing since, and was at least as large as what the entry took. (Whether
  it was due is the job's clock's to say, not the entry's time: a replayed or delayed run
  may pass another ``now``. No lot is available before it is earned: a CHECK holds that.)

This module reads the kernel's tables directly: it is an audit, not a use case.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, or_, select
from sqlalchemy.dialects.postgresql import distinct_on

from services.loyalty.accounts.models import (
    Account,
    AccountHolder,
    LedgerEntry,
    LotDraw,
    PointLot,
)
from shared.db import AsyncSession

_accounts = Account.__table__  # type: ignore[attr-defined]
_holders = AccountHolder.__table__  # type: ignore[attr-defined]
_ledger = LedgerEntry.__table__  # type: ignore[attr-defined]
_lots = PointLot.__table__  # type: ignore[attr-defined]
_draws = LotDraw.__table__  # type: ignore[attr-defined]


class Invariant(StrEnum):
    """Every invariant of the ledger: the kernel's, then those of purchases, adjustments
    and shortfall recoveries, then those of tier standings, of points at the till
    (:mod:`services.loyalty.reservations.invariants`), of the rewards catalog, of
    campaigns, of coupons, of lottery draws, of stored value and of referral rewards."""

    BALANCE = "balance"
    RUNNING_BALANCE = "running_balance"
    NEGATIVE_BALANCE = "negative_balance"
    LOTS = "lots"
    HOUSEHOLDS = "households"
    TRANSFERS = "transfers"
    EXPIRED_LOTS = "expired_lots"
    ONE_EARN_PER_PURCHASE = "one_earn_per_purchase"
    ONE_REVERSAL_PER_RETURN = "one_reversal_per_return"
    REVERSED_AS_RECORDED = "reversed_as_recorded"
    EARNED_BY_RULES = "earned_by_rules"
    QUALIFIED_AS_PURCHASED = "qualified_as_purchased"
    STANDING = "standing"
    ADJUSTED_AS_AUDITED = "adjusted_as_audited"
    RECOVERED_AS_RECORDED = "recovered_as_recorded"
    TILL_HOLDS = "till_holds"
    TILL_REFUNDS = "till_refunds"
    REWARD_STOCK = "reward_stock"
    REWARD_ORDERS = "reward_orders"
    CAMPAIGN_BUDGETS = "campaign_budgets"
    COUPON_ISSUES = "coupon_issues"
    COUPON_MEMBER_LIMIT = "coupon_member_limit"
    COUPON_BATCH_GRANTS = "coupon_batch_grants"
    COUPON_SINGLE_USE = "coupon_single_use"
    COUPON_REDEMPTIONS = "coupon_redemptions"
    COUPON_HOLDS = "coupon_holds"
    LOTTERY_QUOTAS = "lottery_quotas"
    LOTTERY_CHANCES = "lottery_chances"
    LOTTERY_DELIVERY = "lottery_delivery"
    WALLET_BALANCE = "wallet_balance"
    WALLET_LOTS = "wallet_lots"
    WALLET_HOLDS = "wallet_holds"
    REFERRAL_REWARDS = "referral_rewards"
    REFERRAL_MONTHS = "referral_months"


@dataclass(frozen=True)
class Violation:
    invariant: Invariant
    subject: uuid.UUID
    """The account, purchase or return concerned (the invariant says which)."""
    detail: str

    def __str__(self) -> str:
        return f"{self.invariant}: {self.detail}"


class Scope:
    """Restricts every check to the accounts some members hold, or to none."""

    def __init__(self, members: Collection[uuid.UUID] | None) -> None:
        self._members = list(members) if members is not None else None

    @property
    def restricted(self) -> bool:
        """Whether the checks are limited to some members' accounts."""
        return self._members is not None

    def __call__(self, account_id: ColumnElement[Any]) -> ColumnElement[bool]:
        if self._members is None:
            return literal(True)
        held = select(_holders.c.account_id).where(_holders.c.member_id.in_(self._members))
        return account_id.in_(held)


@dataclass(frozen=True)
class Counts:
    accounts: int
    entries: int


async def kernel_violations(session: AsyncSession, scope: Scope) -> list[Violation]:
    """Every violation of the kernel's invariants (see the module), in one snapshot if the
    caller opened one."""
    return [
        *await _balances(session, scope),
        *await _running_balances(session, scope),
        *await _negative_balances(session, scope),
        *await _lots_hold_balances(session, scope),
        *await _expired_lots(session, scope),
    ]


async def counts(session: AsyncSession, scope: Scope) -> Counts:
    row = (
        await session.execute(
            select(
                select(func.count())
                .select_from(_accounts)
                .where(scope(_accounts.c.account_id))
                .scalar_subquery(),
                select(func.count())
                .select_from(_ledger)
                .where(scope(_ledger.c.account_id))
                .scalar_subquery(),
            )
        )
    ).one()
    return Counts(accounts=row[0], entries=row[1])


async def _balances(session: AsyncSession, scope: Scope) -> list[Violation]:
    sums = (
        select(_ledger.c.account_id, func.sum(_ledger.c.points).label("total"))
        .where(scope(_ledger.c.account_id))
        .group_by(_ledger.c.account_id)
        .subquery()
    )
    account_id = func.coalesce(_accounts.c.account_id, sums.c.account_id)
    query = (
        select(account_id.label("account_id"), _accounts.c.balance, sums.c.total)
        .select_from(_accounts)
        .join(sums, sums.c.account_id == _accounts.c.account_id, full=True)
        .where(
            scope(account_id),
            or_(
                _accounts.c.account_id.is_(None),
                _accounts.c.balance != func.coalesce(sums.c.total, 0),
            ),
        )
    )
    return [
        Violation(
            Invariant.BALANCE,
            row.account_id,
            f"account {row.account_id} has entries summing to {row.total} but no account row"
            if row.balance is None
            else f"account {row.account_id}'s balance is {row.balance}, "
            f"its entries sum to {row.total or 0}",
        )
        for row in await session.execute(query)
    ]


async def _running_balances(session: AsyncSession, scope: Scope) -> list[Violation]:
    """The first entry of each account whose ``balance_after`` leaves the running sum."""
    running = (
        select(
            _ledger.c.account_id,
            _ledger.c.seq,
            _ledger.c.balance_after,
            func.sum(_ledger.c.points)
            .over(partition_by=_ledger.c.account_id, order_by=_ledger.c.seq)
            .label("running"),
        )
        .where(scope(_ledger.c.account_id))
        .subquery()
    )
    query = (
        select(running)
        .where(running.c.balance_after != running.c.running)
        .ext(distinct_on(running.c.account_id))
        .order_by(running.c.account_id, running.c.seq)
    )
    return [
        Violation(
            Invariant.RUNNING_BALANCE,
            row.account_id,
            f"account {row.account_id}'s entry #{row.seq} shows a balance of "
            f"{row.balance_after}, the entries up to it sum to {row.running}",
        )
        for row in await session.execute(query)
    ]


async def _negative_balances(session: AsyncSession, scope: Scope) -> list[Violation]:
    accounts = select(_accounts.c.account_id, _accounts.c.balance).where(
        _accounts.c.balance < 0, scope(_accounts.c.account_id)
    )
    entries = select(_ledger.c.account_id, _ledger.c.seq, _ledger.c.balance_after).where(
        _ledger.c.balance_after < 0, scope(_ledger.c.account_id)
    )
    return [
        Violation(
            Invariant.NEGATIVE_BALANCE,
            row.account_id,
            f"account {row.account_id}'s balance is {row.balance}",
        )
        for row in await session.execute(accounts)
    ] + [
        Violation(
            Invariant.NEGATIVE_BALANCE,
            row.account_id,
            f"account {row.account_id}'s entry #{row.seq} leaves a balance of {row.balance_after}",
        )
        for row in await session.execute(entries)
    ]


async def _lots_hold_balances(session: AsyncSession, scope: Scope) -> list[Violation]:
    held = (
        select(_lots.c.account_id, func.sum(_lots.c.remaining).label("remaining"))
        .where(scope(_lots.c.account_id))
        .group_by(_lots.c.account_id)
        .subquery()
    )
    remaining = func.coalesce(held.c.remaining, 0)
    off = (
        select(_accounts.c.account_id, _accounts.c.balance, remaining.label("remaining"))
        .outerjoin(held, held.c.account_id == _accounts.c.account_id)
        .where(scope(_accounts.c.account_id), _accounts.c.balance != remaining)
    )
    by_entry = (
        select(_lots.c.entry_id, _lots.c.account_id, func.sum(_lots.c.points).label("points"))
        .where(_lots.c.entry_id.is_not(None), scope(_lots.c.account_id))
        .group_by(_lots.c.entry_id, _lots.c.account_id)
        .subquery()
    )
    strays = (
        select(by_entry.c.account_id, by_entry.c.entry_id, by_entry.c.points)
        .outerjoin(
            _ledger,
            and_(
                _ledger.c.id == by_entry.c.entry_id,
                _ledger.c.account_id == by_entry.c.account_id,
                _ledger.c.points == by_entry.c.points,
            ),
        )
        .where(_ledger.c.id.is_(None))
    )
    drawn = (
        select(_draws.c.entry_id, _lots.c.account_id, func.sum(_draws.c.points).label("points"))
        .join(_lots, _lots.c.lot_id == _draws.c.lot_id)
        .where(scope(_lots.c.account_id))
        .group_by(_draws.c.entry_id, _lots.c.account_id)
        .subquery()
    )
    overdrawn = (
        select(drawn.c.account_id, drawn.c.entry_id, drawn.c.points)
        .outerjoin(
            _ledger,
            and_(
                _ledger.c.id == drawn.c.entry_id,
                _ledger.c.account_id == drawn.c.account_id,
                -_ledger.c.points == drawn.c.points,
            ),
        )
        .where(_ledger.c.id.is_(None))
    )
    return (
        [
            Violation(
                Invariant.LOTS,
                row.account_id,
                f"account {row.account_id}'s lots hold {row.remaining} points, "
                f"its balance is {row.balance}",
            )
            for row in await session.execute(off)
        ]
        + [
            Violation(
                Invariant.LOTS,
                row.account_id,
                f"account {row.account_id}'s lots naming entry {row.entry_id} hold "
                f"{row.points} points; it is no credit of that size on the account",
            )
            for row in await session.execute(strays)
        ]
        + [
            Violation(
                Invariant.LOTS,
                row.account_id,
                f"entry {row.entry_id} drew {row.points} points from account "
                f"{row.account_id}'s lots; it is no debit of that size on the account",
            )
            for row in await session.execute(overdrawn)
        ]
    )


async def _expired_lots(session: AsyncSession, scope: Scope) -> list[Violation]:
    query = (
        select(
            _ledger.c.account_id,
            _ledger.c.seq,
            _ledger.c.source_id,
            _lots.c.lot_id,
        )
        .select_from(_ledger)
        .outerjoin(_lots, _lots.c.lot_id == _ledger.c.source_id)
        .where(
            _ledger.c.source_type == "expiry",
            scope(_ledger.c.account_id),
            or_(
                _lots.c.lot_id.is_(None),
                _lots.c.account_id != _ledger.c.account_id,
                _lots.c.expires_at.is_(None),
                _lots.c.remaining != 0,
                -_ledger.c.points > _lots.c.points,
            ),
        )
    )
    return [
        Violation(
            Invariant.EXPIRED_LOTS,
            row.account_id,
            f"account {row.account_id}'s expiry entry #{row.seq} names lot {row.source_id}, "
            + (
                "which does not exist"
                if row.lot_id is None
                else "which is not that account's, never expires, still holds points or "
                "held fewer than the entry took"
            ),
        )
        for row in await session.execute(query)
    ]
