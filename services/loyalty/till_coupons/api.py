"""HTTP routes of coupons at the till: reserve a member's coupon for a sale in progress,
commit it to the sale, release it.

Tills do not call these directly: a till talks to orders with its store key, and orders
calls loyalty with a service token naming the store (see
:mod:`services.orders.tenders.loyalty`). Staff with role service (or admin) may call them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from services.loyalty.accounts.errors import AccountNotFound
from services.loyalty.till_coupons import service
from services.loyalty.till_coupons.errors import (
    CouponBasketMismatch,
    CouponNotApplicable,
    CouponNotAvailable,
    CouponNotFound,
    CouponReservationNotFound,
    CouponReservationNotHeld,
)
from services.loyalty.till_coupons.schemas import (
    CouponCommitIn,
    CouponReleaseIn,
    CouponReservationIn,
)
from shared.auth import current_principal, require_roles
from shared.coupons import CouponHoldOut
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem
from shared.tokens import Principal

router = APIRouter(prefix="/coupon-reservations", tags=["till"])

Till = Annotated[Principal, Depends(require_roles("service"))]
TillPost = Annotated[IdempotentPost, Depends(Idempotent(current_principal, example="c0ffee-43"))]

NOT_FOUND = problem(CouponReservationNotFound("No coupon reservation 3a1f0c5e-… for this store"))
NOT_HELD = CouponReservationNotHeld(
    "coupon reservation 3a1f0c5e-… is no longer held (released, or its hold ran out): "
    "reserve the coupon again"
)


@router.post(
    "",
    status_code=201,
    response_model=CouponHoldOut,
    summary="Hold a member's coupons for a sale in progress",
    description=(
        "Prices the coupon (`code` as typed), or several to stack (`codes` or "
        "`coupon_ids`: all stackable, at most one of each kind), on the basket the till "
        "sends, each line's amount before discounts, together in the stacking order, and "
        "holds them all for this sale, or none: they are `reserved` and no other sale can "
        "use them until the sale commits them, the till releases them, or the hold runs out "
        "(the till policy's `hold_minutes`) and the sweep gives them back. Of any number of "
        "racing holds of one coupon exactly one wins (409 `coupon-not-available` for the "
        "others). A refusal names the field of the coupon refused. The answer says each "
        "coupon's discount per line the sale is to record. Staff with role service: orders "
        "on behalf of a store's till."
    ),
    responses={
        **problem(
            CouponNotFound("member 0b7e4c1d-… holds no coupon of this code"),
            description="No such coupon on the member's account (`coupon-not-found`) or no "
            f"account (`{AccountNotFound.slug}`)",
        ),
        **openapi_conflict(
            CouponNotAvailable("coupon ****-****-4HTR-D is held for another sale or was used")
        ),
        **problem(
            422,
            "below_threshold: coupon ****-****-4HTR-D does not apply: eligible spend 12345 "
            "fen is below the threshold of 20000 fen",
            f"{CouponNotApplicable.title}, or invalid input",
        ),
    },
)
async def reserve(
    body: CouponReservationIn, session: Session, _: Till, idempotent: TillPost
) -> JSONResponse:
    answer = await idempotent.run(body, lambda: service.reserve(session, body, datetime.now(UTC)))
    first = answer.body["coupons"][0]["reservation_id"]
    return answer.response(location=f"/coupon-reservations/{first}")


@router.get(
    "/{reservation_id}",
    response_model=CouponHoldOut,
    summary="Read the hold a coupon reservation belongs to",
    responses=NOT_FOUND,
)
async def get_reservation(reservation_id: uuid.UUID, session: Session, _: Till) -> CouponHoldOut:
    return await service.get_reservation(session, reservation_id)


@router.post(
    "/{reservation_id}/commit",
    response_model=CouponHoldOut,
    summary="Use a hold's coupons on a sale",
    description=(
        "Commits every coupon of the reservation's hold (a stack is used whole). "
        "Called by orders while it records the sale, before it commits it: the sale must "
        "be the basket the coupon was priced on (the same lines, SKUs, units and amounts), "
        "else 422 `coupon-basket-mismatch` saying which line differs. The sale's "
        "`orders.purchase.completed` redeems the coupon; if it never comes within the "
        "policy's `commit_grace_minutes`, the sweep gives the coupon back. The same commit "
        "again answers as before; by another `attempt_id` (the till's retry through orders) "
        "the commit is contested, and no undo naming an attempt is taken for it."
    ),
    responses={
        **NOT_FOUND,
        **openapi_conflict(NOT_HELD),
        **problem(
            422,
            "the sale is not the basket the coupon was priced on: line 2 is SK-CREAM-50 × 2 "
            "for 24690 fen in the sale, SK-CREAM-50 × 1 for 12345 fen in the basket the "
            "coupon was priced on; reserve it again for this basket",
            f"{CouponBasketMismatch.title}, or invalid input",
        ),
    },
)
async def commit(
    reservation_id: uuid.UUID,
    body: CouponCommitIn,
    session: Session,
    _: Till,
    idempotent: TillPost,
) -> JSONResponse:
    answer = await idempotent.run(
        body,
        lambda: service.commit(session, reservation_id, body, datetime.now(UTC)),
        path={"reservation_id": str(reservation_id)},
        status=200,
    )
    return answer.response()


@router.post(
    "/{reservation_id}/release",
    response_model=CouponHoldOut,
    summary="Give a hold's coupons back",
    description=(
        "Releases every coupon of the reservation's hold. The till voids the hold (no "
        "`purchase_id`: only while held), or orders undoes a "
        "sale that failed after committing it (the sale's `purchase_id`). The coupon is "
        "`active` again with its validity unchanged (`loyalty.coupon.released`); releasing "
        "again answers as before. A recorded sale's coupon comes back only by its return "
        "or void, as its definition's `restore_on_return` says (409), and orders' undo "
        "naming an `attempt_id` is refused once another attempt of the sale committed the "
        "hold too (409 at `attempt_id`): the sale's event or the sweep settles it."
    ),
    responses={**NOT_FOUND, **openapi_conflict(NOT_HELD)},
)
async def release(
    reservation_id: uuid.UUID,
    body: CouponReleaseIn,
    session: Session,
    _: Till,
    idempotent: TillPost,
) -> JSONResponse:
    answer = await idempotent.run(
        body,
        lambda: service.release(session, reservation_id, body, datetime.now(UTC)),
        path={"reservation_id": str(reservation_id)},
        status=200,
    )
    return answer.response()
