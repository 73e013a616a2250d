"""Use cases of stores and their keys: registering a store, rotating and revoking its keys,
listing them. They flush, never commit (:mod:`services.orders.stores.keys` finds the store
a request's key belongs to)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from services.orders.stores import domain, repository
from services.orders.stores.domain import KeyTimes
from services.orders.stores.errors import StoreKeyNotFound, StoreNotFound
from services.orders.stores.models import Store, StoreKey
from services.orders.stores.schemas import KeyIssued, KeyList, KeyOut, KeyRotation
from shared.auth import StoreRef, hash_api_key
from shared.db import AsyncSession
from shared.errors import InvalidRequest


async def create_store(session: AsyncSession, name: str) -> tuple[StoreRef, str, str]:
    """A new store, its first key's id and the plain key; only the key's hash is stored,
    so show it now. ``name`` is already a checked one-line text (``StoreCreate.name``)."""
    store = Store(name=name)
    await repository.add_store(session, store)
    key_id, api_key = domain.new_key()
    await repository.add_key(
        session, StoreKey(id=key_id, store_id=store.id, key_hash=hash_api_key(api_key))
    )
    return StoreRef(store.id, store.name), key_id, api_key


async def rotate_key(
    session: AsyncSession,
    store_id: uuid.UUID,
    rotation: KeyRotation,
    *,
    default_overlap: timedelta,
    now: datetime | None = None,
) -> KeyIssued:
    """A new key for the store (shown once); its other keys stop working ``overlap_hours``
    later (or ``default_overlap``), or sooner if they expire sooner.

    Raises :class:`StoreNotFound` (404) and ``InvalidRequest`` (422, ``expires_at`` not
    in the future).
    """
    now = now or datetime.now(UTC)
    if await repository.store(session, store_id) is None:
        raise StoreNotFound(f"No store {store_id}", field="store_id", where="path")
    if rotation.expires_at is not None and rotation.expires_at <= now:
        raise InvalidRequest(
            f"expires_at must be in the future (now is {now.isoformat()})", field="expires_at"
        )
    hours = rotation.overlap_hours
    overlap = default_overlap if hours is None else timedelta(hours=hours)
    key_id, api_key = domain.new_key()
    key = StoreKey(
        id=key_id,
        store_id=store_id,
        key_hash=hash_api_key(api_key),
        created_at=now,
        expires_at=rotation.expires_at,
    )
    await repository.add_key(session, key)
    others_end = now + overlap
    await repository.expire_others(session, store_id, key_id, others_end)
    return KeyIssued(**_out(key, now).model_dump(), api_key=api_key, others_expire_at=others_end)


async def revoke_key(
    session: AsyncSession, store_id: uuid.UUID, key_id: str, *, now: datetime | None = None
) -> tuple[KeyOut, str]:
    """Revokes the key at once (a key revoked before keeps its first revocation time);
    returns it and its hash, for the caller to forget. Raises :class:`StoreKeyNotFound`
    (404)."""
    now = now or datetime.now(UTC)
    key = await repository.key_of(session, store_id, key_id)
    if key is None:
        raise StoreKeyNotFound(
            f"Store {store_id} has no key {key_id!r}", field="key_id", where="path"
        )
    if key.revoked_at is None:
        key.revoked_at = now
        await session.flush()
    return _out(key, now), key.key_hash


async def list_keys(session: AsyncSession, store_id: uuid.UUID) -> KeyList:
    """The store's keys, newest first, without secrets. Raises :class:`StoreNotFound`."""
    if await repository.store(session, store_id) is None:
        raise StoreNotFound(f"No store {store_id}", field="store_id", where="path")
    now = datetime.now(UTC)
    keys = await repository.keys_of(session, store_id)
    return KeyList(store_id=store_id, items=[_out(key, now) for key in keys])


def _out(key: StoreKey, now: datetime) -> KeyOut:
    return KeyOut(
        id=key.id,
        created_at=key.created_at,
        expires_at=key.expires_at,
        revoked_at=key.revoked_at,
        last_used_at=key.last_used_at,
        state=KeyTimes(key.expires_at, key.revoked_at).state(now),
    )
