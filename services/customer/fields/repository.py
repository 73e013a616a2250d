"""Queries of custom field definitions and members' values."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, exists, func, tuple_
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import col, select

from services.customer.fields.domain import Filter
from services.customer.fields.models import CustomField, MemberFieldValue
from shared.db import AsyncSession
from shared.pagination import PageKey

Values = MemberFieldValue


async def get(session: AsyncSession, key: str, *, lock: bool = False) -> CustomField | None:
    """The field ``key``; with ``lock``, row-locked and read afresh (changes take turns)."""
    query = select(CustomField).where(col(CustomField.key) == key)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(query)).first()


async def share(session: AsyncSession, keys: Sequence[str]) -> None:
    """Holds the fields ``keys`` (those that exist) against a change until the transaction
    ends: a value written under a definition commits before the definition changes."""
    query = (
        select(col(CustomField.key))
        .where(col(CustomField.key).in_(keys))
        .with_for_update(read=True)
    )
    await session.execute(query)


async def all_fields(session: AsyncSession) -> list[CustomField]:
    return list((await session.scalars(select(CustomField))).all())


async def page(
    session: AsyncSession, limit: int, after: PageKey | None, status: str | None
) -> list[CustomField]:
    """Up to ``limit`` fields in the order they were defined, after ``after``."""
    key = (col(CustomField.created_at), col(CustomField.id))
    query = select(CustomField).order_by(*key).limit(limit)
    if after is not None:
        query = query.where(tuple_(*key) > (after.at, after.id))
    if status is not None:
        query = query.where(col(CustomField.status) == status)
    return list((await session.scalars(query)).all())


async def has_values(session: AsyncSession, key: str) -> bool:
    query = select(exists().where(col(Values.field_key) == key))
    return bool(await session.scalar(query))


async def codes_in_use(session: AsyncSession, key: str, codes: Iterable[str]) -> list[str]:
    """Which of the choice ``codes`` of field ``key`` some member has."""
    query = (
        select(col(Values.term))
        .where(col(Values.field_key) == key, col(Values.term).in_(list(codes)))
        .distinct()
    )
    return sorted(str(code) for code in (await session.scalars(query)).all())


async def member_values(
    session: AsyncSession, member_id: uuid.UUID, keys: Sequence[str] | None = None
) -> list[MemberFieldValue]:
    """The member's values (of ``keys`` only, when given), row-locked when ``keys`` is."""
    query = select(Values).where(col(Values.member_id) == member_id)
    if keys is not None:
        query = query.where(col(Values.field_key).in_(keys)).with_for_update()
    return list((await session.scalars(query)).all())


async def upsert(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Writes each row, replacing the member's earlier value of its field."""
    if not rows:
        return
    statement = pg_insert(Values).values(list(rows))
    columns = ("text_encrypted", "term", "number", "day")
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["field_key", "member_id"],
            set_={name: statement.excluded[name] for name in columns},
        )
    )


async def remove(session: AsyncSession, member_id: uuid.UUID, keys: Sequence[str]) -> None:
    if keys:
        await session.execute(
            delete(Values).where(
                col(Values.member_id) == member_id, col(Values.field_key).in_(keys)
            )
        )


def _matching(wanted: Filter, rows: Any) -> ColumnElement[bool]:
    column = getattr(rows, wanted.column)
    conditions = [rows.field_key == wanted.key]
    if wanted.low is not None and wanted.low == wanted.high:
        conditions.append(column == wanted.low)
    else:
        if wanted.low is not None:
            conditions.append(column >= wanted.low)
        if wanted.high is not None:
            conditions.append(column <= wanted.high)
    return and_(*conditions)


def condition(wanted: Filter, member_id: Any) -> ColumnElement[bool]:
    """True for a member (its id ``member_id``) whose value matches ``wanted``."""
    return exists().where(_matching(wanted, Values), col(Values.member_id) == member_id)


def in_page_order(wanted: Filter, after: PageKey | None) -> Select[datetime, uuid.UUID]:
    """``(created_at, member_id)`` of the values matching ``wanted``, after ``after``: for
    one value an index range in page order; for a range, the range's rows to sort."""
    key = (col(Values.created_at), col(Values.member_id))
    query = sa_select(*key).where(_matching(wanted, Values))
    if after is not None:
        query = query.where(tuple_(*key) > (after.at, after.id))
    return query


async def count_capped(
    session: AsyncSession, wanted: Filter, after: PageKey | None, cap: int
) -> int:
    """How many values match ``wanted`` after ``after``, counted up to ``cap``."""
    rows = in_page_order(wanted, after).limit(cap).subquery()
    return int(await session.scalar(select(func.count()).select_from(rows)) or 0)
