"""Use cases of stores: registering one, and finding the store an API key belongs to."""

from __future__ import annotations

from services.orders.stores import repository
from services.orders.stores.models import Store
from shared.auth import StoreRef, generate_api_key, hash_api_key
from shared.db import AsyncSession


async def create_store(session: AsyncSession, name: str) -> tuple[StoreRef, str]:
    """A new store and its plain API key; only the key's hash is stored, so show it now.

    ``name`` is already a checked one-line text (``StoreCreate.name``).
    """
    api_key = generate_api_key()
    store = Store(name=name, api_key_hash=hash_api_key(api_key))
    await repository.add_store(session, store)
    return StoreRef(store.id, store.name), api_key


class KnownStores:
    """Stores by the hash of their API key, remembered after the first lookup.

    Every sale names its store by key, and a store's key never changes once issued, so a
    remembered store cannot go stale; unknown keys are not remembered, so a new store's
    key works at once. (Should keys ever be revoked, revoking must forget them here.)
    """

    def __init__(self, limit: int = 10_000) -> None:
        self._limit = limit
        self._by_key_hash: dict[str, StoreRef] = {}

    async def for_key(self, session: AsyncSession, api_key: str) -> StoreRef | None:
        key_hash = hash_api_key(api_key)
        known = self._by_key_hash.get(key_hash)
        if known is None:
            store = await repository.store_by_key_hash(session, key_hash)
            if store is None:
                return None
            known = StoreRef(store.id, store.name)
            if len(self._by_key_hash) < self._limit:
                self._by_key_hash[key_hash] = known
        return known
