"""HTTP routes of the orders service: parse, authorize, call the use case, answer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from services.orders import service
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
from shared.dependencies import Cipher, CurrentStore, current_store
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem

stores = APIRouter(tags=["stores"])
purchases = APIRouter(tags=["purchases"])


StoreIdempotency = Annotated[IdempotentPost, Depends(Idempotent(current_store))]


_UNAUTHORIZED = problem(401, "The X-API-Key header is not a valid store API key")
_NOT_FOUND = problem(404, "No purchase 9d8c7b6a-… at this store")


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
    session: Session,
    cipher: Cipher,
    store: CurrentStore,
    idempotent: StoreIdempotency,
) -> JSONResponse:
    async def record() -> PurchaseOut:
        return await service.record_purchase(session, cipher, store.id, body)

    answer = await idempotent.run(body, record)
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
    body: PurchaseBatch, request: Request, session: Session, cipher: Cipher, store: CurrentStore
) -> BatchOut:
    retention = store.idempotency_retention(request.app.state.settings)
    sent = (await request.json())["sales"]  # parsed already, to validate the body
    return await service.record_batch(
        session, cipher, store, body.sales, sent=sent, retention=retention
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
    session: Session,
    store: CurrentStore,
    idempotent: StoreIdempotency,
) -> JSONResponse:
    async def record() -> ReturnOut:
        return await service.return_purchase(session, store.id, purchase_id, body)

    # the same body may come for two purchases, so the purchase is part of the request
    answer = await idempotent.run(body, record, path={"purchase_id": str(purchase_id)})
    return answer.response()
