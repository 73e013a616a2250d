"""Queries of member imports."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import col

from services.customer.imports.models import ImportRow, ImportRowError, MemberImport
from services.customer.members.models import Member
from shared.db import AsyncSession

# Core, not ORM, for the bulk insert: no Member object is built for each row
_members = Member.__table__  # type: ignore[attr-defined]


async def get(session: AsyncSession, import_id: uuid.UUID) -> MemberImport | None:
    return await session.get(MemberImport, import_id)


async def claim_due(session: AsyncSession) -> MemberImport | None:
    """The oldest unfinished import no other transaction holds, locked until commit."""
    query = (
        select(MemberImport)
        .where(col(MemberImport.status).in_(("queued", "running")))
        .order_by(col(MemberImport.created_at))
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return (await session.scalars(query)).first()


async def staged(session: AsyncSession, import_id: uuid.UUID, limit: int) -> list[ImportRow]:
    query = (
        select(ImportRow)
        .where(col(ImportRow.import_id) == import_id)
        .order_by(col(ImportRow.row))
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def unstage(session: AsyncSession, import_id: uuid.UUID, through_row: int) -> None:
    await session.execute(
        delete(ImportRow).where(
            col(ImportRow.import_id) == import_id,
            col(ImportRow.row) <= through_row,
        )
    )


async def known_phone_hashes(session: AsyncSession, hashes: Sequence[str]) -> set[str]:
    if not hashes:
        return set()
    query = select(col(Member.phone_hash)).where(col(Member.phone_hash).in_(hashes))
    return set((await session.scalars(query)).all())


async def card_serials(session: AsyncSession, count: int) -> list[int]:
    """``count`` fresh card serials, in order."""
    rows = await session.execute(
        text(
            "SELECT nextval(pg_get_serial_sequence('customer.members', 'card_serial')) "
            "FROM generate_series(1, :count)"
        ),
        {"count": count},
    )
    return sorted(int(row[0]) for row in rows)


async def insert_members(session: AsyncSession, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
    """Inserts ``rows`` in multi-row statements, skipping a phone a member already has
    (one registered meanwhile); the ids inserted."""
    if not rows:
        return set()
    statement = (
        pg_insert(_members)
        .on_conflict_do_nothing(index_elements=["phone_hash"])
        .returning(_members.c.id)
    )
    result = await session.execute(statement, rows)
    return set(result.scalars().all())


async def record_errors(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        statement = pg_insert(ImportRowError).on_conflict_do_nothing()
        await session.execute(statement, rows)


async def errors_after(
    session: AsyncSession, import_id: uuid.UUID, after: tuple[int, str], limit: int
) -> list[ImportRowError]:
    """Up to ``limit`` errors of the import in row and column order, after ``after``."""
    query = (
        select(ImportRowError)
        .where(
            col(ImportRowError.import_id) == import_id,
            func.row(col(ImportRowError.row), col(ImportRowError.column)) > func.row(*after),
        )
        .order_by(col(ImportRowError.row), col(ImportRowError.column))
        .limit(limit)
    )
    return list((await session.scalars(query)).all())
