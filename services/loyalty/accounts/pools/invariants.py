"""The ledger audit's checks of pooled accounts (see
:mod:`services.loyalty.accounts.invariants`): ``households`` and ``transfers``, and
:func:`account_at`, by which the audits of other credits follow pooling.

It reads the kernel's tables directly: it is an audit, not a use case.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select

from services.loyalty.accounts.invariants import Invariant, Scope, Violation
from services.loyalty.accounts.models import (
    HOUSEHOLD,
    OWNER,
    Account,
    AccountHolder,
    LedgerEntry,
    Pooling,
)
from shared.db import AsyncSession

_accounts = Account.__table__  # type: ignore[attr-defined]
_holders = AccountHolder.__table__  # type: ignore[attr-defined]
_ledger = LedgerEntry.__table__  # type: ignore[attr-defined]
_poolings = Pooling.__table__  # type: ignore[attr-defined]


def account_at(
    account_id: ColumnElement[uuid.UUID], seq: ColumnElement[int]
) -> ColumnElement[uuid.UUID]:
    """The account a movement for ``account_id`` belonged on at position ``seq`` of the
    ledger: the account it was pooled into then, else itself. It is what
    :func:`~services.loyalty.accounts.service.locked_account_now` gave the movement: both
    read the pooling under the account's row lock (see
    :class:`~services.loyalty.accounts.models.Pooling`)."""
    pooled = (
        select(_poolings.c.pooled_into)
        .where(
            _poolings.c.account_id == account_id,
            _poolings.c.from_seq < seq,
            or_(_poolings.c.until_seq.is_(None), _poolings.c.until_seq > seq),
        )
        .scalar_subquery()
    )
    return func.coalesce(pooled, account_id)


async def pool_violations(session: AsyncSession, scope: Scope) -> list[Violation]:
    """``households``: a member's own account is pooled into an account exactly when they
    hold that account as a household member and its open pooling names that account, a
    pooled account holds no points, and no account is both owned and a household's;
    ``transfers``: every transfer is two entries with its id, points out of one account
    and the same points into another."""
    return [*await _households(session, scope), *await _transfers(session, scope)]


async def _households(session: AsyncSession, scope: Scope) -> list[Violation]:
    owner = _holders.alias("owner")
    held = _holders.alias("held")
    astray = (
        select(
            owner.c.member_id, _accounts.c.account_id, _accounts.c.pooled_into, held.c.account_id
        )
        .join(owner, and_(owner.c.account_id == _accounts.c.account_id, owner.c.role == OWNER))
        .outerjoin(held, and_(held.c.member_id == owner.c.member_id, held.c.role == HOUSEHOLD))
        .where(
            scope(_accounts.c.account_id),
            _accounts.c.pooled_into.is_distinct_from(held.c.account_id),
        )
    )
    opened = _poolings.alias("opened")
    unrecorded = (
        select(_accounts.c.account_id, _accounts.c.pooled_into, opened.c.pooled_into)
        .outerjoin(
            opened,
            and_(opened.c.account_id == _accounts.c.account_id, opened.c.until_seq.is_(None)),
        )
        .where(
            scope(_accounts.c.account_id),
            _accounts.c.pooled_into.is_distinct_from(opened.c.pooled_into),
        )
    )
    holding = select(_accounts.c.account_id, _accounts.c.balance).where(
        scope(_accounts.c.account_id),
        _accounts.c.pooled_into.is_not(None),
        _accounts.c.balance != 0,
    )
    both = (
        select(_holders.c.account_id)
        .where(scope(_holders.c.account_id))
        .group_by(_holders.c.account_id)
        .having(func.bool_or(_holders.c.role == OWNER), func.bool_or(_holders.c.role == HOUSEHOLD))
    )
    return (
        [
            Violation(
                Invariant.HOUSEHOLDS,
                account_id,
                f"member {member_id}'s account {account_id} is pooled into {pooled_into}, "
                f"but as a household member they hold {household}",
            )
            for member_id, account_id, pooled_into, household in await session.execute(astray)
        ]
        + [
            Violation(
                Invariant.HOUSEHOLDS,
                account_id,
                f"account {account_id} is pooled into {pooled_into}, its open pooling "
                f"names {recorded}",
            )
            for account_id, pooled_into, recorded in await session.execute(unrecorded)
        ]
        + [
            Violation(
                Invariant.HOUSEHOLDS,
                row.account_id,
                f"account {row.account_id} is pooled, yet holds {row.balance} points",
            )
            for row in await session.execute(holding)
        ]
        + [
            Violation(
                Invariant.HOUSEHOLDS,
                account_id,
                f"account {account_id} has an owner and household members",
            )
            for account_id in await session.scalars(both)
        ]
    )


async def _transfers(session: AsyncSession, scope: Scope) -> list[Violation]:
    def side(source_type: str, name: str) -> Any:
        return (
            select(_ledger.c.source_id, _ledger.c.account_id, _ledger.c.points)
            .where(_ledger.c.source_type == source_type)
            .subquery(name)
        )

    taken, given = side("transfer_out", "taken"), side("transfer_in", "given")
    query = (
        select(
            func.coalesce(taken.c.source_id, given.c.source_id).label("transfer_id"),
            func.coalesce(taken.c.account_id, given.c.account_id).label("account_id"),
            taken.c.points.label("out"),
            given.c.points.label("in_"),
            taken.c.account_id.label("from_"),
            given.c.account_id.label("to"),
        )
        .select_from(taken.join(given, taken.c.source_id == given.c.source_id, full=True))
        .where(
            or_(
                taken.c.source_id.is_(None),
                given.c.source_id.is_(None),
                given.c.points != -taken.c.points,
                given.c.account_id == taken.c.account_id,
            ),
            or_(scope(taken.c.account_id), scope(given.c.account_id)),
        )
    )
    return [
        Violation(Invariant.TRANSFERS, row.account_id, _transfer_fault(row))
        for row in await session.execute(query)
    ]


def _transfer_fault(row: Any) -> str:
    took = f"took {-row.out} points from account {row.from_}" if row.from_ else "took nothing"
    gave = f"gave {row.in_} to account {row.to}" if row.to else "gave nothing"
    return f"transfer {row.transfer_id} {took} and {gave}"
