"""``POST /purchases/{purchase_id}/void``: a store undoes a sale on its business day."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse

from services.orders.config import Settings
from services.orders.purchases.errors import PurchaseVoided
from services.orders.voids import service
from services.orders.voids.errors import PurchaseHasReturns, VoidWindowClosed
from services.orders.voids.schemas import VoidCreate, VoidOut
from shared.dependencies import CurrentStore, RequestSession
from shared.idempotency import StorePost, openapi_conflict
from shared.openapi import problem

router = APIRouter(tags=["purchases"])


@router.post(
    "/purchases/{purchase_id}/void",
    status_code=201,
    response_model=VoidOut,
    summary="Void a sale (作废) on its business day",
    description=(
        "Undoes a whole sale the store rang up by mistake: every tender is refunded in full "
        "(a voucher is not paid out) and `orders.purchase.voided` is published, so loyalty "
        "takes back its points and qualifying spend as for a full return and analytics counts "
        "it as no sale. Allowed until the end of the sale's business day in the business "
        "timezone (or `ORDERS_VOID_WINDOW_MINUTES` after the sale's time), once, and only "
        "while nothing of it was returned; after that, return it. The body is optional (a "
        "reason); none is the same as `{}`."
    ),
    responses={
        **problem(404, "No purchase 9d8c7b6a-… at this store"),
        **openapi_conflict(
            VoidWindowClosed(
                "Purchase 9d8c7b6a-… could be voided until 2026-11-24T00:00:00+08:00 (its "
                "business day); return it instead"
            ),
            PurchaseHasReturns(
                "Purchase 9d8c7b6a-… has returns (19900 fen of 45700 fen), so it cannot be "
                "voided; return the 25800 fen left instead"
            ),
            PurchaseVoided("Purchase 9d8c7b6a-… was voided already, at 2026-11-23T07:02:00+00:00"),
        ),
    },
)
async def post_void(
    purchase_id: uuid.UUID,
    request: Request,
    session: RequestSession,
    store: CurrentStore,
    idempotent: StorePost,
    sent: Annotated[VoidCreate | None, Body()] = None,
) -> JSONResponse:
    settings: Settings = request.app.state.settings
    body = sent or VoidCreate()
    answer = await idempotent.run(
        body,
        lambda: service.void_purchase(
            session,
            store.id,
            purchase_id,
            body,
            timezone=settings.business_timezone,
            window_minutes=settings.void_window_minutes,
        ),
        path={"purchase_id": str(purchase_id)},
    )
    return answer.response()
