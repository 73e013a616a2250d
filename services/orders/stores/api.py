"""Partner stores and their API keys: an admin registers a store; an admin or the store's
manager rotates, revokes and lists its keys (a manager scoped to another store: 403)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from services.orders.stores import service
from services.orders.stores.domain import KEY_ID_LENGTH
from services.orders.stores.errors import StoreKeyNotFound, StoreNotFound
from services.orders.stores.keys import KnownStores
from services.orders.stores.schemas import (
    KeyIssued,
    KeyList,
    KeyOut,
    KeyRotation,
    StoreCreate,
    StoreCreated,
)
from shared.auth import STORE_ACCESS, require_roles, require_store_roles
from shared.dependencies import RequestSession
from shared.openapi import problem
from shared.tokens import Principal

router = APIRouter(tags=["stores"])

Admin = Annotated[Principal, Depends(require_roles())]
StoreManager = Annotated[Principal, Depends(require_store_roles("manager"))]
KeyId = Annotated[
    str,
    Path(
        min_length=KEY_ID_LENGTH,
        max_length=KEY_ID_LENGTH,
        pattern="^[0-9a-f]+$",
        description="The key's id (`hy_<id>_…`, or as `GET /stores/{store_id}/keys` lists it)",
    ),
]
_ADMIN_ONLY = problem(403, "This endpoint is for staff with one of the roles: admin")
_MANAGERS = (
    "Admin, or a manager: one scoped to a store (`store_id` in the token) only for that store. "
)
_NO_STORE = problem(StoreNotFound("No store 6f1c2b9e-8d4a-4f5e-9a51-3c2d7e8f9a10"))


def _known_stores(request: Request) -> KnownStores:
    stores = request.app.state.spec.stores
    if not isinstance(stores, KnownStores):
        raise TypeError("orders' store directory is KnownStores")
    return stores


@router.post(
    "/stores",
    status_code=201,
    response_model=StoreCreated,
    summary="Register a partner store",
    description=(
        "Admin only. Returns the store's first API key once; only its hash is kept. Not "
        "idempotent on purpose: replaying the answer would mean keeping the plain key."
    ),
    responses=_ADMIN_ONLY,
)
async def create_store(body: StoreCreate, session: RequestSession, _: Admin) -> StoreCreated:
    store, key_id, api_key = await service.create_store(session, body.name)
    return StoreCreated(id=store.id, name=store.name, key_id=key_id, api_key=api_key)


@router.post(
    "/stores/{store_id}/keys",
    status_code=201,
    response_model=KeyIssued,
    summary="Rotate a store's API key: a new key, the others expire after an overlap",
    description=(
        _MANAGERS + "Returns the new key once (`hy_<id>_<secret>`); the store's other keys "
        "keep working for `overlap_hours` (default: setting `store_key_overlap_hours`, 24), "
        "so tills can move to the new key without a pause, then stop. Not idempotent on "
        "purpose: replaying the answer would mean keeping the plain key."
    ),
    responses={**STORE_ACCESS, **_NO_STORE},
)
async def rotate_key(
    store_id: uuid.UUID,
    body: KeyRotation,
    session: RequestSession,
    request: Request,
    _: StoreManager,
) -> KeyIssued:
    hours = request.app.state.settings.store_key_overlap_hours
    issued = await service.rotate_key(
        session, store_id, body, default_overlap=timedelta(hours=hours)
    )
    _known_stores(request).forget_store(store_id)
    return issued


@router.post(
    "/stores/{store_id}/keys/{key_id}/revoke",
    response_model=KeyOut,
    summary="Revoke a store key at once",
    description=(
        _MANAGERS + "The key stops working at once on this process, and within "
        "`store_key_cache_seconds` (30 unless configured) on the service's other processes. "
        "Revoking a revoked key changes nothing (its first revocation time stays)."
    ),
    responses={
        **STORE_ACCESS,
        **problem(StoreKeyNotFound("Store 6f1c2b9e-… has no key '3f9c0a7d52e18b64'")),
    },
)
async def revoke_key(
    store_id: uuid.UUID,
    key_id: KeyId,
    session: RequestSession,
    request: Request,
    _: StoreManager,
) -> KeyOut:
    key, key_hash = await service.revoke_key(session, store_id, key_id)
    _known_stores(request).forget(key_hash, key_id)
    return key


@router.get(
    "/stores/{store_id}/keys",
    response_model=KeyList,
    summary="List a store's API keys (no secrets), newest first, with when each was last used",
    description=_MANAGERS.strip(),
    responses={**STORE_ACCESS, **_NO_STORE},
)
async def list_keys(store_id: uuid.UUID, session: RequestSession, _: StoreManager) -> KeyList:
    return await service.list_keys(session, store_id)
