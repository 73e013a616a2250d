"""The adjustments' invariant, checked against the ledger (see
:func:`services.loyalty.points.invariants.check_ledger_invariants`):

- ``adjusted_as_audited``: every audited adjustment has its ``adjustment`` ledger entry, on
  the same account, of the same points. (Adjustment entries made before the audit existed
  have no row: an entry without one is no fault by itself.)

It reads the kernel's ledger directly: it is an audit, not a use case.
"""

from __future__ import annotations

from sqlalchemy import and_, select

from services.loyalty.accounts.invariants import Invariant, Scope, Violation
from services.loyalty.accounts.models import LedgerEntry
from services.loyalty.adjustments.models import Adjustment
from shared.db import AsyncSession

_ledger = LedgerEntry.__table__  # type: ignore[attr-defined]
_adjustments = Adjustment.__table__  # type: ignore[attr-defined]


async def adjustment_violations(session: AsyncSession, scope: Scope) -> list[Violation]:
    query = (
        select(_adjustments.c.adjustment_id, _adjustments.c.account_id)
        .outerjoin(
            _ledger,
            and_(
                _ledger.c.source_type == "adjustment",
                _ledger.c.source_id == _adjustments.c.adjustment_id,
                _ledger.c.account_id == _adjustments.c.account_id,
                _ledger.c.points == _adjustments.c.points,
            ),
        )
        .where(_ledger.c.id.is_(None), scope(_adjustments.c.account_id))
    )
    return [
        Violation(
            Invariant.ADJUSTED_AS_AUDITED,
            row.adjustment_id,
            f"adjustment {row.adjustment_id} of account {row.account_id} has no ledger entry "
            "of its points on that account",
        )
        for row in await session.execute(query)
    ]
