"""Queries of the stores and store_keys tables."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlmodel import col

from services.orders.stores.models import Store, StoreKey
from shared.db import AsyncSession

_keys = StoreKey.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class KeyRow:
    """A store key with its store's name, as a request checks it."""

    id: str
    store_id: uuid.UUID
    store_name: str
    key_hash: str
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


async def key_row(
    session: AsyncSession, *, key_id: str | None = None, key_hash: str | None = None
) -> KeyRow | None:
    """The key with ``key_id``, or else with ``key_hash``: one statement."""
    found = select(
        _keys.c.id,
        _keys.c.store_id,
        col(Store.name),
        _keys.c.key_hash,
        _keys.c.expires_at,
        _keys.c.revoked_at,
        _keys.c.last_used_at,
    ).join(Store, col(Store.id) == _keys.c.store_id)
    found = found.where(_keys.c.id == key_id if key_id else _keys.c.key_hash == key_hash)
    row = (await session.execute(found)).first()
    return None if row is None else KeyRow(*row)


async def touch(session: AsyncSession, key_id: str, at: datetime) -> None:
    """Sets the key's ``last_used_at`` to ``at`` unless another request holds the row
    (it is recording a use as recent) or a later use is recorded: never waits."""
    free = select(_keys.c.id).where(_keys.c.id == key_id).with_for_update(skip_locked=True)
    await session.execute(
        update(_keys)
        .where(
            _keys.c.id.in_(free.scalar_subquery()),
            func.coalesce(_keys.c.last_used_at, at) <= at,
        )
        .values(last_used_at=at)
    )


async def add_store(session: AsyncSession, store: Store) -> None:
    session.add(store)
    await session.flush()


async def store(session: AsyncSession, store_id: uuid.UUID) -> Store | None:
    return await session.get(Store, store_id)


async def add_key(session: AsyncSession, key: StoreKey) -> None:
    session.add(key)
    await session.flush()


async def keys_of(session: AsyncSession, store_id: uuid.UUID) -> Sequence[StoreKey]:
    """The store's keys, newest first."""
    return (
        await session.scalars(
            select(StoreKey)
            .where(col(StoreKey.store_id) == store_id)
            .order_by(col(StoreKey.created_at).desc(), col(StoreKey.id))
        )
    ).all()


async def key_of(session: AsyncSession, store_id: uuid.UUID, key_id: str) -> StoreKey | None:
    """The store's key ``key_id``, locked for a change."""
    return (
        await session.scalars(
            select(StoreKey)
            .where(col(StoreKey.store_id) == store_id, col(StoreKey.id) == key_id)
            .with_for_update()
        )
    ).first()


async def expire_others(
    session: AsyncSession, store_id: uuid.UUID, keep: str, end: datetime
) -> None:
    """Every other unrevoked key of the store stops working at ``end`` at the latest."""
    await session.execute(
        update(_keys)
        .where(
            _keys.c.store_id == store_id,
            _keys.c.id != keep,
            _keys.c.revoked_at.is_(None),
            func.coalesce(_keys.c.expires_at, end) >= end,
        )
        .values(expires_at=end)
    )
