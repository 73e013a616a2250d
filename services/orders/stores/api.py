"""``POST /stores``: an admin registers a partner store and gets its API key once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from services.orders.stores import service
from services.orders.stores.schemas import StoreCreate, StoreCreated
from shared.auth import Principal, require_roles
from shared.dependencies import RequestSession
from shared.openapi import problem

router = APIRouter(tags=["stores"])


@router.post(
    "/stores",
    status_code=201,
    response_model=StoreCreated,
    summary="Register a partner store",
    description=(
        "Admin only. Returns the store's API key once; only its hash is kept. Not idempotent "
        "on purpose: replaying the answer would mean keeping the plain key."
    ),
    responses=problem(403, "This endpoint is for staff with one of the roles: admin"),
)
async def create_store(
    body: StoreCreate,
    session: RequestSession,
    _: Annotated[Principal, Depends(require_roles())],
) -> StoreCreated:
    store, api_key = await service.create_store(session, body.name)
    return StoreCreated(id=store.id, name=store.name, api_key=api_key)
