"""``POST /purchases/{purchase_id}/returns``: some or all of a sale comes back."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.orders.purchases.errors import PurchaseVoided
from services.orders.returns import service
from services.orders.returns.schemas import ReturnCreate, ReturnOut
from shared.dependencies import CurrentStore, RequestSession
from shared.idempotency import StorePost, openapi_conflict
from shared.openapi import problem

router = APIRouter(tags=["purchases"])


@router.post(
    "/purchases/{purchase_id}/returns",
    status_code=201,
    response_model=ReturnOut,
    summary="Return some or all of a sale",
    description=(
        'Send `lines` with quantities, or `{"all": true}` for everything not yet returned. '
        "The refund goes back to the sale's tenders: vouchers and points first, in proportion "
        "to the share of the sale returned, then stored value, card and cash, never more than "
        "a tender paid; a voucher's part is not paid out. Publishes `orders.purchase.returned` "
        "with the refunded amount and each tender's refund. A voided sale cannot be returned."
    ),
    responses={
        **problem(404, "No purchase 9d8c7b6a-… at this store"),
        **openapi_conflict(
            PurchaseVoided(
                "Purchase 9d8c7b6a-… was voided at 2026-11-23T07:02:00+00:00: there is "
                "nothing left to return"
            )
        ),
        **problem(422, "line 1: 3 requested but only 1 of 2 can still be returned"),
    },
)
async def post_return(
    purchase_id: uuid.UUID,
    body: ReturnCreate,
    session: RequestSession,
    store: CurrentStore,
    idempotent: StorePost,
) -> JSONResponse:
    # the same body may come for two purchases, so the purchase is part of the request
    answer = await idempotent.run(
        body,
        lambda: service.return_purchase(session, store.id, purchase_id, body),
        path={"purchase_id": str(purchase_id)},
    )
    return answer.response()
