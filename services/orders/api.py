"""HTTP routes of the orders service: parse, authorize, call the use case, answer."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader

from services.orders import service
from services.orders.config import Settings
from services.orders.models import idempotency
from services.orders.schemas import (
    MAX_BATCH_SALES,
    BatchOut,
    PurchaseBatch,
    PurchaseCreate,
    PurchaseOut,
    PurchasePage,
    ReturnCreate,
    ReturnOut,
    StoreCreate,
    StoreCreated,
)
from shared.auth import Principal, require_roles
from shared.errors import Unauthorized
from shared.idempotency import openapi_conflict
from shared.openapi import problem
from shared.service_app import RequestSession as Session
from shared.service_app import pii_cipher

stores = APIRouter(tags=["stores"])
purchases = APIRouter(tags=["purchases"])


_api_key = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="The store's API key, from `POST /stores` or `huiyuan store add`",
)
_KEY_HINT = {"WWW-Authenticate": 'ApiKey header="X-API-Key"'}


async def current_store(
    request: Request, session: Session, api_key: Annotated[str | None, Depends(_api_key)]
) -> service.StoreRef:
    """The store whose API key came in the ``X-API-Key`` header."""
    if not api_key:
        raise Unauthorized(
            "This endpoint needs the store's API key in the X-API-Key header", headers=_KEY_HINT
        )
    known: service.KnownStores = request.app.state.known_stores
    store = await known.for_key(session, api_key)
    if store is None:
        raise Unauthorized("The X-API-Key header is not a valid store API key", headers=_KEY_HINT)
    return store


CurrentStore = Annotated[service.StoreRef, Depends(current_store)]
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        description=(
            "Required. One key per sale or return, e.g. the receipt number; a retry with the "
            "same key and body gets the first successful answer (with "
            "`Idempotent-Replayed: true`), the same key with another body 422, and a retry "
            "while the first request is still running 409 with `Retry-After`. Keys are "
            "remembered for 7 days by default, per store."
        ),
        examples=["R-20261123-0042"],
    ),
]


_UNAUTHORIZED = problem(401, "The X-API-Key header is not a valid store API key")
_NOT_FOUND = problem(404, "No purchase 9d8c7b6a-… at this store")


def _retention(request: Request) -> timedelta:
    settings: Settings = request.app.state.settings
    return timedelta(hours=settings.store_idempotency_retention_hours)


@stores.post(
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
    session: Session,
    _: Annotated[Principal, Depends(require_roles())],
) -> StoreCreated:
    store, api_key = await service.create_store(session, body.name)
    return StoreCreated(id=store.id, name=store.name, api_key=api_key)


@purchases.post(
    "/purchases",
    status_code=201,
    response_model=PurchaseOut,
    summary="Post a sale",
    description=(
        "Records a sale for the member named by `member_id`, `card_number` or `phone`, "
        "computes its total from the lines and publishes `orders.purchase.completed`."
    ),
    responses={
        **_UNAUTHORIZED,
        **openapi_conflict(),
        **problem(
            422,
            "No member with this card_number '8860000000099' is known to orders. A member who "
            "has just registered becomes known here within about a second; retry shortly.",
        ),
    },
)
async def post_purchase(
    body: PurchaseCreate,
    request: Request,
    session: Session,
    store: CurrentStore,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    answer = await service.record_purchase_once(
        session,
        pii_cipher(request),
        store.id,
        body,
        key=idempotency_key,
        retention=_retention(request),
    )
    return answer.response(location=f"/purchases/{answer.body['id']}")


@purchases.post(
    "/purchases:batch",
    response_model=BatchOut,
    summary="Post up to 1,000 sales at once",
    description=(
        f"For a store uploading a day's sales. Each of the up to {MAX_BATCH_SALES} sales is "
        "the body of `POST /purchases` plus its own `idempotency_key`, and is recorded or "
        "refused on its own: the answer has one result per sale, in order, with status 201 "
        "and the purchase (`replayed` if its key was used before, also by a single post) or "
        "the sale's error with its `index`. Refused sales write nothing; recorded ones have "
        "the same effects as single posts. The batch itself answers 200."
    ),
    responses={
        **_UNAUTHORIZED,
        **problem(
            422,
            "The request is invalid: body.sales: List should have at most 1000 items after "
            "validation, not 1001",
        ),
    },
)
async def post_purchase_batch(
    body: PurchaseBatch, request: Request, session: Session, store: CurrentStore
) -> BatchOut:
    return await service.record_batch(
        session, pii_cipher(request), store.id, body.sales, retention=_retention(request)
    )


@purchases.get(
    "/purchases/{purchase_id}",
    response_model=PurchaseOut,
    summary="Read one of this store's sales",
    responses={**_UNAUTHORIZED, **_NOT_FOUND},
)
async def get_purchase(
    purchase_id: uuid.UUID, session: Session, store: CurrentStore
) -> PurchaseOut:
    return await service.get_purchase(session, store.id, purchase_id)


@purchases.get(
    "/purchases",
    response_model=PurchasePage,
    summary="List this store's sales, newest first",
    responses=_UNAUTHORIZED,
)
async def list_purchases(
    session: Session,
    store: CurrentStore,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
) -> PurchasePage:
    return await service.list_purchases(session, store.id, limit, cursor)


@purchases.post(
    "/purchases/{purchase_id}/returns",
    status_code=201,
    response_model=ReturnOut,
    summary="Return some or all of a sale",
    description=(
        'Send `lines` with quantities, or `{"all": true}` for everything not yet returned. '
        "Publishes `orders.purchase.returned` with the refunded amount."
    ),
    responses={
        **_UNAUTHORIZED,
        **_NOT_FOUND,
        **openapi_conflict(),
        **problem(422, "line 1: 3 requested but only 1 of 2 can still be returned"),
    },
)
async def post_return(
    purchase_id: uuid.UUID,
    body: ReturnCreate,
    request: Request,
    session: Session,
    store: CurrentStore,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    async def record() -> ReturnOut:
        return await service.return_purchase(session, store.id, purchase_id, body)

    answer = await idempotency.run(
        session,
        scope=f"store:{store.id}",
        key=idempotency_key,
        # the same body may come for two purchases, so the purchase is part of the request
        request={"purchase_id": str(purchase_id), **body.model_dump(mode="json")},
        retention=_retention(request),
        action=record,
    )
    return answer.response()
