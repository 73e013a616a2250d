"""Queries of member imports."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import col

from services.customer.imports.models import DryRunPhone, ImportRow, ImportRowError, MemberImport
from services.customer.members.models import Member
from services.customer.search.models import MemberNameGram
from shared.db import AsyncSession, driver_connection

# Core, not ORM: no Member object is built for each imported row
_members = Member.__table__  # type: ignore[attr-defined]
_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


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


async def staged(session: AsyncSession, import_id: uuid.UUID, limit: int) -> list[tuple[int, str]]:
    """The next ``limit`` staged rows of the import: (row number, encrypted cells)."""
    query = (
        select(col(ImportRow.row), col(ImportRow.cells_encrypted))
        .where(col(ImportRow.import_id) == import_id)
        .order_by(col(ImportRow.row))
        .limit(limit)
    )
    return [(row, cells) for row, cells in (await session.execute(query)).all()]


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


async def counted_phones(
    session: AsyncSession, import_id: uuid.UUID, hashes: Sequence[str]
) -> set[str]:
    """Which of ``hashes`` the dry run ``import_id`` has counted already."""
    if not hashes:
        return set()
    query = select(col(DryRunPhone.phone_hash)).where(
        col(DryRunPhone.import_id) == import_id, col(DryRunPhone.phone_hash).in_(hashes)
    )
    return set((await session.scalars(query)).all())


async def count_phones(session: AsyncSession, import_id: uuid.UUID, hashes: set[str]) -> None:
    if hashes:
        rows = [{"import_id": import_id, "phone_hash": h} for h in hashes]
        await session.execute(pg_insert(DryRunPhone), rows)


async def forget_counted_phones(session: AsyncSession, import_id: uuid.UUID) -> None:
    await session.execute(delete(DryRunPhone).where(col(DryRunPhone.import_id) == import_id))


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


def _unnest_insert(columns: Sequence[str]) -> str:
    # each column's values as one array parameter, cast to the column's own type
    arrays = ", ".join(
        f"${i}::{_members.c[name].type.compile(dialect=_DIALECT)}[]"
        for i, name in enumerate(columns, start=1)
    )
    return (
        f"INSERT INTO customer.members ({', '.join(columns)}) SELECT * FROM unnest({arrays}) "
        "ON CONFLICT (phone_hash) DO NOTHING RETURNING id"
    )


async def insert_members(session: AsyncSession, columns: dict[str, list[Any]]) -> set[uuid.UUID]:
    """Inserts the members given column by column (equal-length lists) in one statement,
    skipping a phone a member already has (one registered meanwhile); the ids inserted.
    Set-based: one ``INSERT ... SELECT FROM unnest`` of one array per column, as cheap as
    ``COPY`` and, unlike it, able to skip a conflict."""
    if not columns or not next(iter(columns.values())):
        return set()
    rows = await (await driver_connection(session)).fetch(
        _unnest_insert(list(columns)), *columns.values()
    )
    return {row["id"] for row in rows}


async def copy_name_grams(
    session: AsyncSession, grams: list[tuple[str, datetime, uuid.UUID]]
) -> None:
    """Copies search's name pieces (gram, joining time, member id) of imported members."""
    if grams:
        await (await driver_connection(session)).copy_records_to_table(
            MemberNameGram.__tablename__,
            schema_name="customer",
            columns=["gram", "created_at", "member_id"],
            records=grams,
        )


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
