"""The stores table (partner stores) and their API keys (``store_keys``: only hashes)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, DateTime, ForeignKey, String, Uuid
from sqlmodel import Field

from services.orders.base import OrdersTable, timestamp_column, utc_now
from services.orders.stores.domain import KEY_ID_LENGTH, MAX_STORE_NAME


class Store(OrdersTable, table=True):
    __tablename__ = "stores"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=MAX_STORE_NAME)
    created_at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())


class StoreKey(OrdersTable, table=True):
    """One API key of a store: the SHA-256 of the key, never the key.

    A key works from ``created_at`` until ``revoked_at`` or ``expires_at`` (UTC), whichever
    comes first; ``last_used_at`` is when it was last seen, to about a minute
    (``store_key_cache_seconds``). Keys issued before key ids existed (``hy_<secret>``)
    got a random ``id`` when they moved here; newer keys carry theirs
    (``hy_<id>_<secret>``).
    """

    __tablename__ = "store_keys"

    id: str = Field(sa_column=Column(String(KEY_ID_LENGTH), primary_key=True))
    store_id: uuid.UUID = Field(
        sa_column=Column(Uuid(), ForeignKey("orders.stores.id"), nullable=False, index=True)
    )
    key_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    created_at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())
    expires_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    last_used_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
