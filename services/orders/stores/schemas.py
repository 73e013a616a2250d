"""Request and response bodies of stores and their API keys (times in UTC)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from services.orders.stores.domain import MAX_OVERLAP, MAX_STORE_NAME, KeyState
from shared.inputs import SingleLine

_STORE = "6f1c2b9e-8d4a-4f5e-9a51-3c2d7e8f9a10"
_KEY_ID = "3f9c0a7d52e18b64"
_KEY = f"hy_{_KEY_ID}_q9V…"
_OVERLAP_HOURS = int(MAX_OVERLAP.total_seconds()) // 3600
_KEY_OUT: dict[str, Any] = {
    "id": _KEY_ID,
    "created_at": "2026-11-30T02:00:00Z",
    "expires_at": "2026-12-01T02:00:00Z",
    "revoked_at": None,
    "last_used_at": "2026-11-30T09:41:00Z",
    "state": "active",
}


class StoreCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "徐汇店 Xuhui store"}]}
    )

    name: Annotated[str, SingleLine(MAX_STORE_NAME)] = Field(
        description=f"How the store is called, one line of 1 to {MAX_STORE_NAME} characters"
    )


class StoreCreated(BaseModel):
    """The only time the API key is shown: store it in the POS now."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"id": _STORE, "name": "徐汇店 Xuhui store", "key_id": _KEY_ID, "api_key": _KEY}
            ]
        }
    )

    id: uuid.UUID
    name: str
    key_id: str = Field(description="The key's id, as `GET /stores/{id}/keys` lists it")
    api_key: str = Field(description="Send as the `X-API-Key` header; it is not shown again")


class KeyRotation(BaseModel):
    """A new key for the store; its other keys keep working for ``overlap_hours``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"overlap_hours": 24}, {}]},
    )

    overlap_hours: int | None = Field(
        default=None,
        ge=0,
        le=_OVERLAP_HOURS,
        description=(
            "How long the store's other keys keep working, in hours (0: they stop now); "
            "unset: the service's `store_key_overlap_hours` (24 unless configured)"
        ),
    )
    expires_at: AwareDatetime | None = Field(
        default=None, description="When the new key stops working (in the future); unset: never"
    )


class KeyOut(BaseModel):
    """A store key without its secret."""

    model_config = ConfigDict(json_schema_extra={"examples": [_KEY_OUT]})

    id: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None = Field(
        description="When a request last came with the key, to about a minute (the "
        "service's `store_key_cache_seconds`); null if never"
    )
    state: KeyState = Field(description="Whether the key works now")


class KeyList(BaseModel):
    """A store's keys, newest first (at most a few: one per rotation)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"store_id": _STORE, "items": [_KEY_OUT]}]}
    )

    store_id: uuid.UUID
    items: list[KeyOut]


class KeyIssued(KeyOut):
    """A new key, shown once: store it in the POS now."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": _KEY_ID,
                    "created_at": "2026-11-30T02:00:00Z",
                    "expires_at": None,
                    "revoked_at": None,
                    "last_used_at": None,
                    "state": "active",
                    "api_key": _KEY,
                    "others_expire_at": "2026-12-01T02:00:00Z",
                }
            ]
        }
    )

    api_key: str = Field(description="Send as the `X-API-Key` header; it is not shown again")
    others_expire_at: datetime = Field(
        description="When the store's other keys stop working (unless revoked or expiring before)"
    )
