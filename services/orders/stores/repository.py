"""Queries of the stores table."""

from __future__ import annotations

from sqlmodel import select

from services.orders.stores.models import Store
from shared.db import AsyncSession


async def store_by_key_hash(session: AsyncSession, api_key_hash: str) -> Store | None:
    return (await session.scalars(select(Store).where(Store.api_key_hash == api_key_hash))).first()


async def add_store(session: AsyncSession, store: Store) -> None:
    session.add(store)
    await session.flush()
