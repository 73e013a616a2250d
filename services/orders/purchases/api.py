"""Sales posted by a store, one at a time, and reading them back: the store by its key, an
admin or the store's manager by ``/stores/{store_id}/purchases``."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from services.orders.directory.domain import UNKNOWN_CARD_EXAMPLE
from services.orders.directory.misses import StoreMisses
from services.orders.purchases import service
from services.orders.purchases.errors import ReceiptReused
from services.orders.purchases.schemas import PurchaseCreate, PurchaseOut, PurchasePage
from services.orders.tenders.loyalty import SALE_UNAVAILABLE_DOC, LoyaltyClient
from shared.auth import STORE_ACCESS, require_store_roles
from shared.dependencies import Cipher, CurrentStore, RequestSession
from shared.idempotency import StorePost, openapi_conflict
from shared.openapi import problem
from shared.pagination import Cursor, PageSize
from shared.tokens import Principal

router = APIRouter(tags=["purchases"])

NOT_FOUND = problem(404, "No purchase 9d8c7b6a-… at this store")
StoreManager = Annotated[Principal, Depends(require_store_roles("manager"))]
_MANAGERS = (
    "Admin, or a manager: one scoped to a store (`store_id` in the token) only for that "
    "store (403 for another's)."
)


@router.post(
    "/purchases",
    status_code=201,
    response_model=PurchaseOut,
    summary="Post a sale",
    description=(
        "Records a sale for the member named by `member_id`, `card_number` or `phone`, "
        "computes its total from the lines and publishes `orders.purchase.completed`. "
        "A sale is recorded once per `Idempotency-Key` and once per `receipt_no`: the same "
        "sale body (as sent, without its key) sent again with a new key and a receipt number "
        "the store already used is answered with the first sale (`Idempotent-Replayed: "
        "true`); another body with a used receipt number is refused with 409 "
        "`receipt-reused`. A `points` tender names the reservation that holds its points "
        "(`POST /reservations`); orders commits it at loyalty before recording the sale: a "
        "refusal is 422 `points-refused`, loyalty not answering 503 `loyalty-unavailable` "
        "(nothing recorded; the sale can be paid otherwise, under the same receipt number "
        "too). A discount "
        '`{"coupon_reservation_id": ...}` uses a coupon held for the sale '
        "(`POST /coupon-reservations`): its shares per line are loyalty's, loyalty commits "
        "it (the sale must be the basket it was held for) and redeems it from the sale's "
        "event, which names the coupons the sale used; a refusal is 422 `coupon-refused` "
        "with loyalty's type as `cause`."
    ),
    responses={
        **openapi_conflict(
            ReceiptReused(
                "receipt_no 'R-20261123-0042' was already used by this store for purchase "
                "9d8c7b6a-… with different content. A retry must send the same sale; a new "
                "sale needs a new receipt number."
            )
        ),
        **problem(422, UNKNOWN_CARD_EXAMPLE),
        **SALE_UNAVAILABLE_DOC,
    },
)
async def post_purchase(
    body: PurchaseCreate,
    session: RequestSession,
    cipher: Cipher,
    store: CurrentStore,
    idempotent: StorePost,
    loyalty: LoyaltyClient,
    misses: StoreMisses,
) -> JSONResponse:
    with misses.watching(store.id):
        answer = await idempotent.run(
            body,
            lambda: service.record_purchase(
                session, cipher, store.id, body, sent=idempotent.sent, loyalty=loyalty
            ),
        )
    return answer.response(location=f"/purchases/{answer.body['id']}")


@router.get(
    "/purchases/{purchase_id}",
    response_model=PurchaseOut,
    summary="Read one of this store's sales",
    responses=NOT_FOUND,
)
async def get_purchase(
    purchase_id: uuid.UUID, session: RequestSession, store: CurrentStore
) -> PurchaseOut:
    return await service.get_purchase(session, store.id, purchase_id)


@router.get(
    "/purchases",
    response_model=PurchasePage,
    summary="List this store's sales, newest first",
)
async def list_purchases(
    session: RequestSession,
    store: CurrentStore,
    limit: Annotated[PageSize, Query()] = 50,
    cursor: Annotated[
        Cursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> PurchasePage:
    return await service.list_purchases(session, store.id, limit, cursor)


@router.get(
    "/stores/{store_id}/purchases",
    response_model=PurchasePage,
    summary="List a store's sales, newest first (staff)",
    description=_MANAGERS + " The sales `GET /purchases` lists to the store's own key.",
    responses=STORE_ACCESS,
)
async def list_store_purchases(
    store_id: uuid.UUID,
    session: RequestSession,
    _: StoreManager,
    limit: Annotated[PageSize, Query()] = 50,
    cursor: Annotated[
        Cursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> PurchasePage:
    return await service.list_purchases(session, store_id, limit, cursor)


@router.get(
    "/stores/{store_id}/purchases/{purchase_id}",
    response_model=PurchaseOut,
    summary="Read one of a store's sales (staff)",
    description=_MANAGERS,
    responses={**STORE_ACCESS, **NOT_FOUND},
)
async def get_store_purchase(
    store_id: uuid.UUID, purchase_id: uuid.UUID, session: RequestSession, _: StoreManager
) -> PurchaseOut:
    return await service.get_purchase(session, store_id, purchase_id)
