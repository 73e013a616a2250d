"""Queries of the joining policy, qualifications and card fees."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Table, cast, func, select
from sqlalchemy.dialects.postgresql import insert

from services.customer.joining.models import CardFee, JoiningPolicy, MemberQualification
from shared.db import AsyncSession

_policy: Table = JoiningPolicy.__table__  # type: ignore[attr-defined]
_fees: Table = CardFee.__table__  # type: ignore[attr-defined]
_qualifications: Table = MemberQualification.__table__  # type: ignore[attr-defined]


async def policy(session: AsyncSession) -> JoiningPolicy | None:
    return await session.get(JoiningPolicy, 1, populate_existing=True)


async def set_policy(session: AsyncSession, values: dict[str, Any]) -> None:
    """Inserts or replaces the one row, its ``version`` one more than before."""
    statement = insert(_policy).values(id=1, version=1, **values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["id"], set_={**values, "version": _policy.c.version + 1}
        )
    )


async def receipt_qualified(session: AsyncSession, receipt_no: str) -> bool:
    return await _taken(session, _qualifications, receipt_no)


async def fee_receipt_used(session: AsyncSession, receipt_no: str) -> bool:
    return await _taken(session, _fees, receipt_no)


async def _taken(session: AsyncSession, table: Table, receipt_no: str) -> bool:
    query = select(table.c.member_id).where(table.c.receipt_no == receipt_no)
    return (await session.scalar(query)) is not None


async def qualification(session: AsyncSession, member_id: uuid.UUID) -> MemberQualification | None:
    return await session.get(MemberQualification, member_id)


async def fees_per_day(
    session: AsyncSession, start: datetime, end: datetime, timezone: str
) -> list[tuple[date, int, int, int]]:
    """(day in ``timezone``, paid, paid fen, waived) of the fees recorded in [start, end)."""
    day = cast(func.timezone(timezone, _fees.c.recorded_at), Date)
    waived = _fees.c.waived_reason.is_not(None)
    query = (
        select(
            day,
            func.count().filter(~waived),
            func.coalesce(func.sum(_fees.c.paid_fen), 0),
            func.count().filter(waived),
        )
        .where(_fees.c.recorded_at >= start, _fees.c.recorded_at < end)
        .group_by(day)
        .order_by(day)
    )
    return [(d, int(p), int(f), int(w)) for d, p, f, w in (await session.execute(query)).all()]
