"""A till's coupons (优惠券): price a basket with the member's coupons, hold one or several
stacked for a sale in progress, or void the hold.

Loyalty keeps the coupons; orders checks the store's key and asks loyalty synchronously
(:mod:`services.orders.tenders.loyalty`). The sale then uses the coupon with a discount
naming the hold (`{"coupon_reservation_id": ...}` per coupon of the hold in `POST /purchases`).
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.orders.coupons import service
from services.orders.coupons.schemas import CouponBasketIn, CouponHoldIn
from services.orders.directory.misses import StoreMisses
from services.orders.tenders.errors import CouponRefused
from services.orders.tenders.loyalty import (
    COUPON_UNAVAILABLE_DOC,
    VALIDATION_UNAVAILABLE_DOC,
    LoyaltyClient,
)
from services.orders.tenders.schemas import NoBody
from shared.coupons import CouponHoldOut, ValidationOut
from shared.dependencies import Cipher, CurrentStore, RequestSession
from shared.idempotency import StorePost, openapi_conflict
from shared.openapi import problem

router = APIRouter(prefix="/coupon-reservations", tags=["purchases"])
validations = APIRouter(prefix="/coupons", tags=["purchases"])


@validations.post(
    "/validate",
    response_model=ValidationOut,
    summary="Price a basket with the member's coupons",
    description=(
        "Before asking the member for a code: which of the member's coupons apply to the "
        "lines (as the sale will send them) with the discount per line, and why the others "
        "do not. Reads only; each coupon is priced on its own. No such member at loyalty: "
        "422 `coupon-refused` with loyalty's type as `cause`; loyalty down: 503 "
        "`loyalty-unavailable`, and the sale can go through without a coupon."
    ),
    responses={
        **problem(
            422,
            "No member with card number 8860000000013",
            f"{CouponRefused.title}, unknown member or SKU, or invalid input",
        ),
        **VALIDATION_UNAVAILABLE_DOC,
    },
)
async def validate_coupons(
    body: CouponBasketIn,
    session: RequestSession,
    cipher: Cipher,
    store: CurrentStore,
    loyalty: LoyaltyClient,
    misses: StoreMisses,
) -> ValidationOut:
    with misses.watching(store.id):
        return await service.validate_coupons(session, cipher, loyalty, store.id, body)


@router.post(
    "",
    status_code=201,
    response_model=CouponHoldOut,
    summary="Hold a member's coupons for a sale in progress",
    description=(
        "Loyalty prices the coupon (`code`), or several to stack (`codes` or `coupon_ids`: "
        "all stackable, at most one of each kind), together on the lines sent (as the sale "
        "will send them) in the stacking order, and holds them all for this sale, or none: "
        "no other till can use them until the sale does (one discount "
        '`{"coupon_reservation_id": ...}` per coupon of the hold, all of them), the till '
        "voids the hold, or it runs out. The answer is each coupon's discount per line the "
        "sale will record; the sale must have exactly these lines. Refused (not the "
        "member's, not applicable or not stackable with loyalty's reason, held elsewhere or "
        "used): 422 `coupon-refused` with loyalty's problem type as `cause`, naming the "
        "coupon's field. Loyalty down: 503 `loyalty-unavailable`, and the sale can go "
        "through without the coupons."
    ),
    responses={
        **openapi_conflict(),
        **problem(
            422,
            "below_threshold: coupon ****-****-4HTR-D does not apply: eligible spend 12345 "
            "fen is below the threshold of 15000 fen",
            f"{CouponRefused.title}, unknown member or SKU, or invalid input",
        ),
        **COUPON_UNAVAILABLE_DOC,
    },
)
async def hold_coupon(
    body: CouponHoldIn,
    session: RequestSession,
    cipher: Cipher,
    store: CurrentStore,
    idempotent: StorePost,
    loyalty: LoyaltyClient,
    misses: StoreMisses,
) -> JSONResponse:
    key = idempotent.key
    assert key is not None  # the header is required
    with misses.watching(store.id):
        answer = await idempotent.run(
            body, lambda: service.hold_coupon(session, cipher, loyalty, store.id, body, key)
        )
    return answer.response()


@router.post(
    "/{reservation_id}/release",
    response_model=CouponHoldOut,
    summary="Void a coupon hold: the member keeps the coupons",
    description=(
        "Any reservation of the hold voids all of its coupons. Only while no sale used it: "
        "a sale's coupon comes back by its return or void, as "
        "the coupon's definition says. Releasing again answers as before."
    ),
    responses={
        **openapi_conflict(),
        **problem(
            422,
            "coupon reservation 3a1f0c5e-… is used by a recorded sale: the coupon comes back "
            "by the sale's return or void, as its definition says",
            CouponRefused.title,
        ),
        **COUPON_UNAVAILABLE_DOC,
    },
)
async def release_coupon(
    reservation_id: uuid.UUID,
    store: CurrentStore,
    idempotent: StorePost,
    loyalty: LoyaltyClient,
) -> JSONResponse:
    key = idempotent.key
    assert key is not None
    answer = await idempotent.run(
        NoBody(),
        lambda: service.release_coupon(loyalty, store.id, reservation_id, key),
        path={"reservation_id": str(reservation_id)},
        status=200,
    )
    return answer.response()
