"""Queries of purchases and returns."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    Table,
    Uuid,
    and_,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.sql.dml import Insert, Update

from services.loyalty.accounts.service import Along, Param
from services.loyalty.points.models import Purchase, PurchaseReturn
from shared.db import AsyncSession

_purchases: Table = Purchase.__table__  # type: ignore[attr-defined]
_returns: Table = PurchaseReturn.__table__  # type: ignore[attr-defined]


def _insert_when(
    condition: ColumnElement[bool], param: Param, table: Table, names: Sequence[str]
) -> Insert:
    """INSERT of one row, made only where ``condition`` holds: ``created_at`` is now(), every
    other column the parameter of its name."""
    values = [
        func.now() if name == "created_at" else param(name, table.c[name].type) for name in names
    ]
    return insert(table).from_select(list(names), select(*values).where(condition))


async def purchase(session: AsyncSession, purchase_id: uuid.UUID) -> Purchase | None:
    query = select(Purchase).where(_purchases.c.purchase_id == purchase_id)
    return (await session.scalars(query.execution_options(populate_existing=True))).first()


@dataclass(frozen=True)
class Rated:
    """What the earning rules saw and gave, kept on the purchase for replays."""

    store_id: uuid.UUID
    purchased_at: datetime
    vouchers_fen: int
    lines: list[dict[str, Any]]
    rule_version: int
    breakdown: list[dict[str, Any]]


def record_purchase(
    *,
    purchase_id: uuid.UUID,
    account_id: uuid.UUID,
    member_id: uuid.UUID,
    total_fen: int,
    tier_code: str,
    points: int,
    rated: Rated,
) -> Along:
    """The purchase's record, written with its earn entry."""
    return Along(
        _record_purchase_when,
        {
            "purchase_id": purchase_id,
            "account_id": account_id,
            "member_id": member_id,
            "total_fen": total_fen,
            "tier_code": tier_code,
            "points_earned": points,
            "points_reversed": 0,
            "returned_fen": 0,
            **{field.name: getattr(rated, field.name) for field in fields(rated)},
        },
    )


_RATED = tuple(field.name for field in fields(Rated))


def _record_purchase_when(condition: ColumnElement[bool], param: Param) -> Insert:
    columns = ("purchase_id", "account_id", "member_id", "total_fen", "tier_code")
    counters = ("points_earned", "points_reversed", "returned_fen", "created_at")
    return _insert_when(condition, param, _purchases, columns + counters + _RATED)


async def earned_between(
    session: AsyncSession, member_id: uuid.UUID, start: datetime, end: datetime
) -> int:
    """Points the member earned on purchases made from ``start`` to before ``end`` (as
    earned: reversals do not give them back)."""
    query = select(func.coalesce(func.sum(_purchases.c.points_earned), 0)).where(
        _purchases.c.member_id == member_id,
        _purchases.c.purchased_at >= start,
        _purchases.c.purchased_at < end,
    )
    return int(await session.scalar(query) or 0)


_MADE_AT = func.coalesce(_purchases.c.purchased_at, _purchases.c.created_at)


def stored_purchases(
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    scope: Any = None,
    standing_only: bool = False,
) -> Select[Any]:
    """Purchases as replays read them, in the order they were rated (recorded): made from
    ``start`` to before ``end`` (a purchase recorded before loyalty kept its sale time by
    when it was recorded), and where ``scope`` (a condition on ``account_id``) holds;
    ``standing_only`` leaves out those whose every fen came back (voided or returned in
    full)."""
    query = select(
        _purchases.c.purchase_id,
        _purchases.c.account_id,
        _purchases.c.member_id,
        _purchases.c.total_fen,
        _purchases.c.returned_fen,
        _purchases.c.tier_code,
        _purchases.c.points_earned,
        _purchases.c.store_id,
        _MADE_AT.label("made_at"),
        _purchases.c.vouchers_fen,
        _purchases.c.lines,
        _purchases.c.rule_version,
        _purchases.c.breakdown,
    ).order_by(_purchases.c.created_at, _purchases.c.purchase_id)
    if start is not None:
        query = query.where(start <= _MADE_AT)
    if end is not None:
        query = query.where(end > _MADE_AT)
    if scope is not None:
        query = query.where(scope(_purchases.c.account_id))
    if standing_only:
        query = query.where(
            (_purchases.c.returned_fen < _purchases.c.total_fen) | (_purchases.c.total_fen == 0)
        )
    return query


async def breakdowns(
    session: AsyncSession, purchase_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """What each rule gave, for those of the purchases rated since loyalty keeps it."""
    if not purchase_ids:
        return {}
    query = select(_purchases.c.purchase_id, _purchases.c.breakdown).where(
        _purchases.c.purchase_id.in_(purchase_ids), _purchases.c.breakdown.is_not(None)
    )
    return {row.purchase_id: row.breakdown for row in await session.execute(query)}


def record_return(*, return_id: uuid.UUID, purchase_id: uuid.UUID) -> Along:
    """The return's record, written with its reversal entry."""
    return Along(_record_return_when, {"return_id": return_id, "purchase_id": purchase_id})


def _record_return_when(condition: ColumnElement[bool], param: Param) -> Insert:
    return _insert_when(condition, param, _returns, ("return_id", "purchase_id", "created_at"))


def count_reversal(*, purchase_id: uuid.UUID, points: int, returned_fen: int) -> Along:
    """Adds a return's reversal (points taken back plus shortfall) and refund to its purchase."""
    return Along(
        _count_reversal_when,
        {"purchase_id": purchase_id, "points": points, "returned_fen": returned_fen},
    )


def _count_reversal_when(condition: ColumnElement[bool], param: Param) -> Update:
    return (
        update(_purchases)
        .where(_purchases.c.purchase_id == param("purchase_id", Uuid()), condition)
        .values(
            points_reversed=_purchases.c.points_reversed + param("points", BigInteger()),
            returned_fen=_purchases.c.returned_fen + param("returned_fen", BigInteger()),
        )
    )


async def purchases_returned(
    session: AsyncSession, return_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """The purchase each of the returns took points back from."""
    if not return_ids:
        return {}
    query = select(_returns.c.return_id, _returns.c.purchase_id).where(
        _returns.c.return_id.in_(return_ids)
    )
    return {row.return_id: row.purchase_id for row in await session.execute(query)}


async def net_points(
    session: AsyncSession, account_id: uuid.UUID, since: Mapping[uuid.UUID, datetime]
) -> dict[uuid.UUID, int]:
    """What each member's purchases made since their time earned on the account, net of
    what was reversed."""
    if not since:
        return {}
    net = func.sum(_purchases.c.points_earned - _purchases.c.points_reversed)
    query = (
        select(_purchases.c.member_id, net)
        .where(
            _purchases.c.account_id == account_id,
            or_(
                *(
                    and_(_purchases.c.member_id == member, _purchases.c.created_at >= at)
                    for member, at in since.items()
                )
            ),
        )
        .group_by(_purchases.c.member_id)
    )
    return {member: int(points) for member, points in await session.execute(query)}
