"""HTTP routes of points at the till: the till policy (marketing) and reservations.

Tills do not call these directly: a till talks to orders with its store key, and orders,
having checked the key, calls loyalty with a service token naming the store (see
:mod:`services.orders.tenders.loyalty`). Staff with role service (or admin) may call them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from services.loyalty.reservations import service
from services.loyalty.reservations.errors import (
    ReservationMismatch,
    ReservationNotFound,
    ReservationNotHeld,
)
from services.loyalty.reservations.schemas import (
    CommitIn,
    ReleaseIn,
    ReservationIn,
    ReservationOut,
    TillPolicyIn,
    TillPolicyOut,
)
from shared.auth import current_principal, require_roles
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem
from shared.tokens import Principal

policy_router = APIRouter(prefix="/program", tags=["program"])
router = APIRouter(prefix="/reservations", tags=["till"])

Marketing = Annotated[Principal, Depends(require_roles("marketing"))]
Till = Annotated[Principal, Depends(require_roles("service"))]
TillPost = Annotated[IdempotentPost, Depends(Idempotent(current_principal, example="c0ffee-42"))]

NOT_FOUND = problem(404, "No reservation 3a1f0c5e-… for this store", ReservationNotFound.title)
NOT_HELD = ReservationNotHeld(
    "reservation 3a1f0c5e-… is no longer held (it was released or its hold ran out): "
    "reserve again, or pay otherwise"
)


@policy_router.get(
    "/till-policy",
    response_model=TillPolicyOut,
    summary="Read the till policy (积分抵现)",
    description="Staff with role marketing, service or analyst.",
)
async def get_till_policy(
    session: Session,
    _: Annotated[Principal, Depends(require_roles("marketing", "service", "analyst"))],
) -> TillPolicyOut:
    return await service.get_policy(session)


@policy_router.put(
    "/till-policy",
    response_model=TillPolicyOut,
    summary="Set the till policy (积分抵现)",
    description=(
        "The rate (`points_per_yuan` points pay one yuan), the most of a sale points may "
        "pay (`max_share_percent`, 0 takes no points), how long a hold lasts and how long a "
        "sale that named a reservation has for its event. Reservations made before keep "
        "their rate and expiry."
    ),
)
async def put_till_policy(body: TillPolicyIn, session: Session, _: Marketing) -> TillPolicyOut:
    return await service.set_policy(session, body)


@router.post(
    "",
    status_code=201,
    response_model=ReservationOut,
    summary="Hold points or stored value for a sale in progress",
    description=(
        "Takes the points from the member's balance now (ledger `till_hold`), so they cannot "
        "be spent elsewhere, until the sale commits the reservation, the till releases it, "
        "or the hold runs out and the sweep gives them back. Asked by `points` (paying "
        "floor(points × 100 / rate) fen) or by `amount_fen` (holding ceil(amount_fen × rate "
        "/ 100) points), at most the policy's share of `sale_total_fen`. With `tender` "
        "`stored_value`, takes `amount_fen` off the member's wallet instead (oldest deposit "
        "first, principal and bonus in proportion; 422 `insufficient-stored-value`). Staff "
        "with role service: orders on behalf of a store's till."
    ),
    responses={
        **problem(404, "No loyalty account for member 0b7e4c1d-…"),
        **openapi_conflict(),
        **problem(
            422,
            "points may pay at most 50% of the sale: 22850 fen of 45700 fen, not 30000 fen",
            "Points share exceeded, too few points, insufficient points, or invalid input",
        ),
    },
)
async def reserve(
    body: ReservationIn, session: Session, _: Till, idempotent: TillPost
) -> JSONResponse:
    answer = await idempotent.run(body, lambda: service.reserve(session, body, datetime.now(UTC)))
    return answer.response(location=f"/reservations/{answer.body['reservation_id']}")


@router.get(
    "/{reservation_id}",
    response_model=ReservationOut,
    summary="Read a reservation",
    responses=NOT_FOUND,
)
async def get_reservation(reservation_id: uuid.UUID, session: Session, _: Till) -> ReservationOut:
    return await service.get_reservation(session, reservation_id)


@router.post(
    "/{reservation_id}/commit",
    response_model=ReservationOut,
    summary="Pay a sale with a reservation's points",
    description=(
        "Called by orders while it records a sale with a `points` tender, before it commits "
        "the sale: the reservation becomes the sale's (no points move: they were held). "
        "The sale's `orders.purchase.completed` confirms it; if that never comes within the "
        "policy's `commit_grace_minutes`, the sweep gives the points back. The same commit "
        "again answers as before; by another `attempt_id` (the till's retry through orders) "
        "the commit is contested, and no undo naming an attempt is taken for it."
    ),
    responses={
        **NOT_FOUND,
        **openapi_conflict(NOT_HELD),
        **problem(
            422,
            "reservation 3a1f0c5e-… pays 5000 fen, not 6000 fen",
            f"{ReservationMismatch.title}, points share exceeded, or invalid input",
        ),
    },
)
async def commit(
    reservation_id: uuid.UUID, body: CommitIn, session: Session, _: Till, idempotent: TillPost
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
    response_model=ReservationOut,
    summary="Give a reservation's points back",
    description=(
        "The till voids the reservation (no `purchase_id`: only while held), or orders "
        "undoes a sale that failed after committing it (the sale's `purchase_id`). Credits "
        "the points back (ledger `till_release`); releasing again answers as before. A "
        "recorded sale's points come back through its return or void instead (409), and "
        "orders' undo naming an `attempt_id` is refused once another attempt of the sale "
        "committed it too (409 at `attempt_id`): the sale's event or the sweep settles it."
    ),
    responses={**NOT_FOUND, **openapi_conflict(NOT_HELD)},
)
async def release(
    reservation_id: uuid.UUID, body: ReleaseIn, session: Session, _: Till, idempotent: TillPost
) -> JSONResponse:
    answer = await idempotent.run(
        body,
        lambda: service.release(session, reservation_id, body, datetime.now(UTC)),
        path={"reservation_id": str(reservation_id)},
        status=200,
    )
    return answer.response()
