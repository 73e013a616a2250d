"""The stores table: partner stores and the hash of each one's API key."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, String
from sqlmodel import Field

from services.orders.base import OrdersTable, timestamp_column, utc_now
from services.orders.stores.domain import MAX_STORE_NAME


class Store(OrdersTable, table=True):
    __tablename__ = "stores"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=MAX_STORE_NAME)
    api_key_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    created_at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())
