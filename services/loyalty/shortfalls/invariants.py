"""The shortfall recoveries' invariant, checked against the ledger (see
:func:`services.loyalty.points.invariants.check_ledger_invariants`):

- ``recovered_as_recorded``: each ``recovery`` entry took exactly what its purchase's
  recoveries rows say it paid back, on the same account (and every such row has its
  entry); no reversal entry was paid back more than its shortfall, or by rows of another
  account.

It reads the kernel's ledger directly: it is an audit, not a use case.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select

from services.loyalty.accounts.invariants import Invariant, Scope, Violation
from services.loyalty.accounts.models import LedgerEntry
from services.loyalty.shortfalls.models import Recovery
from shared.db import AsyncSession

_ledger = LedgerEntry.__table__  # type: ignore[attr-defined]
_recoveries = Recovery.__table__  # type: ignore[attr-defined]


async def recovery_violations(session: AsyncSession, scope: Scope) -> list[Violation]:
    return [*await _entries_as_rows(session, scope), *await _within_shortfalls(session, scope)]


async def _entries_as_rows(session: AsyncSession, scope: Scope) -> list[Violation]:
    paid = (
        select(
            _recoveries.c.purchase_id,
            _recoveries.c.account_id,
            func.sum(_recoveries.c.points).label("points"),
        )
        .group_by(_recoveries.c.purchase_id, _recoveries.c.account_id)
        .subquery()
    )
    entries = (
        select(_ledger.c.source_id, _ledger.c.account_id, (-_ledger.c.points).label("points"))
        .where(_ledger.c.source_type == "recovery")
        .subquery()
    )
    purchase = func.coalesce(entries.c.source_id, paid.c.purchase_id)
    account = func.coalesce(entries.c.account_id, paid.c.account_id)
    query = (
        select(purchase.label("purchase_id"), entries.c.points.label("taken"), paid.c.points)
        .select_from(entries)
        .join(
            paid,
            (paid.c.purchase_id == entries.c.source_id)
            & (paid.c.account_id == entries.c.account_id),
            full=True,
        )
        .where(
            scope(account),
            or_(
                entries.c.source_id.is_(None),
                paid.c.purchase_id.is_(None),
                entries.c.points != paid.c.points,
            ),
        )
    )
    return [
        Violation(
            Invariant.RECOVERED_AS_RECORDED,
            row.purchase_id,
            f"purchase {row.purchase_id}'s recovery entry took {row.taken or 0} points, its "
            f"recoveries say {row.points or 0}",
        )
        for row in await session.execute(query)
    ]


async def _within_shortfalls(session: AsyncSession, scope: Scope) -> list[Violation]:
    paid = (
        select(
            _recoveries.c.entry_id,
            _recoveries.c.account_id,
            func.sum(_recoveries.c.points).label("points"),
        )
        .group_by(_recoveries.c.entry_id, _recoveries.c.account_id)
        .subquery()
    )
    query = (
        select(paid.c.entry_id, paid.c.points, _ledger.c.shortfall)
        .select_from(paid)
        .outerjoin(
            _ledger,
            (_ledger.c.id == paid.c.entry_id) & (_ledger.c.account_id == paid.c.account_id),
        )
        .where(
            scope(paid.c.account_id),
            or_(_ledger.c.id.is_(None), paid.c.points > _ledger.c.shortfall),
        )
    )
    return [
        Violation(
            Invariant.RECOVERED_AS_RECORDED,
            row.entry_id,
            f"entry {row.entry_id} was paid back {row.points} points of a shortfall of "
            f"{row.shortfall if row.shortfall is not None else 'nothing (no such entry)'}",
        )
        for row in await session.execute(query)
    ]
