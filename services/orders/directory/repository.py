"""Queries of the member directory."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Text, Uuid, any_, bindparam, exists, sql, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import col

from services.orders.directory.models import Member
from shared.db import AsyncSession, Prepared

_members = Member.__table__  # type: ignore[attr-defined]


async def add_member(
    session: AsyncSession, member_id: uuid.UUID, card_number: str, phone_hash: str
) -> None:
    """Adds the member unless already known; a new member takes over ``phone_hash``."""
    already_known = exists().where(_members.c.member_id == member_id)
    await _release_phone_hash(session, phone_hash, member_id, unless=already_known)
    await session.execute(
        pg_insert(Member)
        .values(member_id=member_id, card_number=card_number, phone_hash=phone_hash)
        .on_conflict_do_nothing(index_elements=["member_id"])
    )


async def set_phone_hash(session: AsyncSession, member_id: uuid.UUID, phone_hash: str) -> None:
    """The member's number is now the one hashed as ``phone_hash`` (no-op for a stranger)."""
    await _release_phone_hash(session, phone_hash, member_id)
    await session.execute(
        update(_members).where(_members.c.member_id == member_id).values(phone_hash=phone_hash)
    )


async def set_card_number(session: AsyncSession, member_id: uuid.UUID, card_number: str) -> None:
    """The member's card is now ``card_number`` (no-op for a stranger); the old number names
    nobody. Customer never gives a number out twice, so no other row can hold it."""
    await session.execute(
        update(_members).where(_members.c.member_id == member_id).values(card_number=card_number)
    )


async def deactivate(session: AsyncSession, member_id: uuid.UUID, at: datetime) -> None:
    """No reference names the member from now on; their number is free for another."""
    await session.execute(
        update(_members)
        .where(_members.c.member_id == member_id, _members.c.deactivated_at.is_(None))
        .values(deactivated_at=at, phone_hash=None)
    )


async def erase(session: AsyncSession, member_id: uuid.UUID, at: datetime, card: str) -> None:
    """The member was erased at ``at``: no phone names them, their card is now ``card``
    (a value no one can type), and they stay deactivated for good (a reactivation never
    comes for them)."""
    await session.execute(
        update(_members)
        .where(_members.c.member_id == member_id)
        .values(deactivated_at=at, phone_hash=None, card_number=card)
    )


async def reactivate(
    session: AsyncSession, member_id: uuid.UUID, phone_hash: str, at: datetime
) -> None:
    """The member is named again, by ``phone_hash`` too, unless deactivated after ``at``."""
    await _release_phone_hash(session, phone_hash, member_id)
    await session.execute(
        update(_members)
        .where(_members.c.member_id == member_id, _members.c.deactivated_at <= at)
        .values(deactivated_at=None, phone_hash=phone_hash)
    )


async def _release_phone_hash(
    session: AsyncSession,
    phone_hash: str,
    new_holder: uuid.UUID,
    unless: ColumnElement[bool] | None = None,
) -> None:
    """Takes ``phone_hash`` from whoever else holds it here.

    Customer gives a number to one member at a time, but its events about two members may
    arrive in either order: the member who held the number before has had their own
    change published too, and until it arrives their row here has no number.
    """
    release = (
        update(_members)
        .where(_members.c.phone_hash == phone_hash, _members.c.member_id != new_holder)
        .values(phone_hash=None)
    )
    if unless is not None:
        release = release.where(~unless)
    await session.execute(release)


async def find_member_ids(
    session: AsyncSession,
    *,
    member_ids: set[uuid.UUID] | None = None,
    card_numbers: set[str] | None = None,
    phone_hashes: set[str] | None = None,
) -> dict[Any, uuid.UUID]:
    """Known members by the one kind of reference given, deactivated ones left out: one
    query for all of them, sent as asyncpg's prepared statement (a sale's path runs it)."""
    query: Prepared
    values: list[Any]
    if member_ids is not None:
        query, values = _BY_ID, list(member_ids)
    elif card_numbers is not None:
        query, values = _BY_CARD, list(card_numbers)
    elif phone_hashes is not None:
        query, values = _BY_PHONE_HASH, list(phone_hashes)
    else:
        raise ValueError("give one kind of member reference")
    if not values:
        return {}
    return {row[0]: row[1] for row in await query.fetch(session, values=values)}


def _found_by(column: Any, kind: Any) -> Prepared:
    """Known members among ``:values`` of ``column``: (the value, the member's id)."""
    return Prepared(
        sql.select(column, col(Member.member_id)).where(
            column == any_(bindparam("values", type_=ARRAY(kind))),
            col(Member.deactivated_at).is_(None),
        )
    )


_BY_ID = _found_by(col(Member.member_id), Uuid())
_BY_CARD = _found_by(col(Member.card_number), Text())
_BY_PHONE_HASH = _found_by(col(Member.phone_hash), Text())
