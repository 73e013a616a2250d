"""Queries of the messaging policy, and the member lock its counts are taken under."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.dialects.postgresql import insert

from services.messaging.policy.models import MessagingPolicy
from shared.db import AsyncSession

_policy: Table = MessagingPolicy.__table__  # type: ignore[attr-defined]

_LOCK_CLASS = 0x4D534750 & 0x7FFFFFFF
"""The first key of the member locks ("MSGP"), apart from other advisory locks."""


async def policy(session: AsyncSession) -> MessagingPolicy | None:
    return await session.get(MessagingPolicy, 1, populate_existing=True)


async def set_policy(session: AsyncSession, values: dict[str, Any]) -> None:
    """Inserts or replaces the one row, its ``version`` one more than before."""
    statement = insert(_policy).values(id=1, version=1, **values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["id"], set_={**values, "version": _policy.c.version + 1}
        )
    )


async def lock_member(session: AsyncSession, member_id: uuid.UUID) -> None:
    """Waits until no other transaction holds the member's lock, then holds it until this
    one ends. Members whose ids share their first 32 bits share a lock: rare, and only
    makes one wait."""
    key = int.from_bytes(member_id.bytes[:4], "big", signed=True)
    await session.execute(select(func.pg_advisory_xact_lock(_LOCK_CLASS, key)))
