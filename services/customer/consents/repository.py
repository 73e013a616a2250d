"""Queries of consent records."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, any_, bindparam, literal, select, union_all
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlmodel import col

from services.customer.consents.models import ConsentChange, ConsentRecord
from services.customer.members.models import Member
from shared.db import AsyncSession

_records: Table = ConsentRecord.__table__  # type: ignore[attr-defined]
_changes: Table = ConsentChange.__table__  # type: ignore[attr-defined]
_members: Table = Member.__table__  # type: ignore[attr-defined]


async def put(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Sets each row's channel record of its member, replacing the one before, and adds
    each to the history."""
    if not rows:
        return
    await session.execute(insert(_changes).values(list(rows)))
    statement = insert(_records).values(list(rows))
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["member_id", "channel", "message_class"],
            set_={
                column: statement.excluded[column]
                for column in (
                    "consented",
                    "changed_at",
                    "changed_by",
                    "actor",
                    "privacy_policy_version",
                )
            },
        )
    )


async def put_imported(session: AsyncSession, member_ids: Sequence[uuid.UUID]) -> None:
    """Records both channels of the imported members as the import gave them, at their
    joining time: one statement, whatever the number of members."""
    ids = bindparam("ids", list(member_ids), type_=ARRAY(_members.c.id.type))
    chosen = _members.c.id == any_(ids)
    channels = union_all(
        *(
            select(
                _members.c.id,
                literal(channel),
                _members.c[f"consent_{channel}"],
                _members.c.created_at,
                literal("import"),
            ).where(chosen)
            for channel in ("sms", "email")
        )
    )
    columns = ["member_id", "channel", "consented", "changed_at", "changed_by"]
    kept = [*columns, "message_class"]  # the record's default class, as it was set
    added = (
        insert(_records)
        .from_select(columns, channels)
        .on_conflict_do_nothing()
        .returning(*(_records.c[name] for name in kept))
        .cte("added")
    )
    history = insert(_changes).from_select(kept, select(*(added.c[name] for name in kept)))
    await session.execute(history)


async def changes(
    session: AsyncSession, member_id: uuid.UUID, limit: int, before: int | None
) -> list[ConsentChange]:
    """Up to ``limit`` of the member's consent changes, latest first, older than ``before``."""
    query = (
        select(ConsentChange)
        .where(col(ConsentChange.member_id) == member_id)
        .order_by(col(ConsentChange.seq).desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(col(ConsentChange.seq) < before)
    return list((await session.scalars(query)).all())


async def of_member(session: AsyncSession, member_id: uuid.UUID) -> list[ConsentRecord]:
    query = select(ConsentRecord).where(ConsentRecord.member_id == member_id)  # type: ignore[arg-type]
    return list((await session.scalars(query)).all())
