"""Qualifying purchases: what tier qualification counts of each purchase, net of returns."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Table,
    Uuid,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.sql.dml import Insert, Update

from services.loyalty.accounts.service import Along, Param
from services.loyalty.tiers.domain import Measures
from services.loyalty.tiers.models import (
    QualifyingPurchase,
)
from shared.db import AsyncSession

_qualifying: Table = QualifyingPurchase.__table__  # type: ignore[attr-defined]


def record_qualifying(
    *,
    purchase_id: uuid.UUID,
    account_id: uuid.UUID,
    member_id: uuid.UUID,
    purchased_at: datetime,
    total_fen: int,
) -> Along:
    """The purchase as qualification counts it, written with its earn entry."""
    return Along(
        _record_qualifying_when,
        {
            "purchase_id": purchase_id,
            "account_id": account_id,
            "member_id": member_id,
            "purchased_at": purchased_at,
            "total_fen": total_fen,
            "returned_fen": 0,
        },
    )


def _record_qualifying_when(condition: ColumnElement[bool], param: Param) -> Insert:
    names = ("purchase_id", "account_id", "member_id", "purchased_at", "total_fen", "returned_fen")
    values = [param(name, _qualifying.c[name].type) for name in names]
    return insert(_qualifying).from_select(list(names), select(*values).where(condition))


def count_returned(*, purchase_id: uuid.UUID, returned_fen: int) -> Along:
    """A return's (or void's) refund off the qualifying purchase, with its reversal entry."""
    return Along(_count_returned_when, {"purchase_id": purchase_id, "returned_fen": returned_fen})


def _count_returned_when(condition: ColumnElement[bool], param: Param) -> Update:
    return (
        update(_qualifying)
        .where(_qualifying.c.purchase_id == param("purchase_id", Uuid()), condition)
        .values(returned_fen=_qualifying.c.returned_fen + param("returned_fen", BigInteger()))
    )


@dataclass(frozen=True)
class QualifyingRow:
    account_id: uuid.UUID
    purchased_at: datetime
    total_fen: int
    returned_fen: int


async def qualifying_purchase(
    session: AsyncSession, purchase_id: uuid.UUID
) -> QualifyingRow | None:
    query = select(
        _qualifying.c.account_id,
        _qualifying.c.purchased_at,
        _qualifying.c.total_fen,
        _qualifying.c.returned_fen,
    ).where(_qualifying.c.purchase_id == purchase_id)
    row = (await session.execute(query)).first()
    return QualifyingRow(*row) if row is not None else None


async def measures(
    session: AsyncSession, account_id: uuid.UUID, start: datetime | None, end: datetime | None
) -> Measures:
    """Net spend and purchases still counting of the account's purchases made in
    ``[start, end)`` (an open side when None)."""
    return await _measures(session, _qualifying.c.account_id == account_id, start, end)


async def member_measures(
    session: AsyncSession, member_id: uuid.UUID, start: datetime | None, end: datetime | None
) -> Measures:
    """The same of the member's own purchases, whichever account they earned on."""
    return await _measures(session, _qualifying.c.member_id == member_id, start, end)


async def _measures(
    session: AsyncSession,
    whose: ColumnElement[bool],
    start: datetime | None,
    end: datetime | None,
) -> Measures:
    net = _qualifying.c.total_fen - _qualifying.c.returned_fen
    query = select(
        func.coalesce(func.sum(net), 0),
        func.count().filter(_qualifying.c.returned_fen < _qualifying.c.total_fen),
    ).where(whose)
    if start is not None:
        query = query.where(_qualifying.c.purchased_at >= start)
    if end is not None:
        query = query.where(_qualifying.c.purchased_at < end)
    spend, count = (await session.execute(query)).one()
    return Measures(int(spend), int(count))


async def spenders(
    session: AsyncSession, start: datetime, end: datetime, at_least: int
) -> list[tuple[uuid.UUID, int]]:
    """``(member_id, spend_fen)``, by member, of each member's own purchases in ``[start,
    end)`` net of returns, where that spend is at least ``at_least``."""
    spend = func.sum(_qualifying.c.total_fen - _qualifying.c.returned_fen)
    query = (
        select(_qualifying.c.member_id, spend)
        .where(_qualifying.c.purchased_at >= start, _qualifying.c.purchased_at < end)
        .group_by(_qualifying.c.member_id)
        .having(spend >= at_least)
        .order_by(_qualifying.c.member_id)
    )
    return [(row[0], int(row[1])) for row in await session.execute(query)]
