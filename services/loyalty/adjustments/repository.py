"""Writes of the adjustments' audit."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, Table, func, insert, select
from sqlalchemy.sql.dml import Insert

from services.loyalty.accounts.service import Along, Param
from services.loyalty.adjustments.models import Adjustment
from shared.db import AsyncSession

_adjustments: Table = Adjustment.__table__  # type: ignore[attr-defined]
_COLUMNS = ("adjustment_id", "account_id", "member_id", "points", "reason", "staff")


def record_adjustment(
    *,
    adjustment_id: uuid.UUID,
    account_id: uuid.UUID,
    member_id: uuid.UUID,
    points: int,
    reason: str,
    staff: str,
) -> Along:
    """The adjustment's audit row, written with its ledger entry."""
    return Along(
        _record_when,
        {
            "adjustment_id": adjustment_id,
            "account_id": account_id,
            "member_id": member_id,
            "points": points,
            "reason": reason,
            "staff": staff,
        },
    )


def _record_when(condition: ColumnElement[bool], param: Param) -> Insert:
    values = [param(name, _adjustments.c[name].type) for name in _COLUMNS]
    return insert(_adjustments).from_select(
        [*_COLUMNS, "created_at"], select(*values, func.now()).where(condition)
    )


async def adjustment(session: AsyncSession, adjustment_id: uuid.UUID) -> Adjustment | None:
    return await session.get(Adjustment, adjustment_id)
