"""A till's points (积分抵现) and stored value (储值): hold them for a sale in progress,
void the hold, or take a customer's deposit into their wallet.

Loyalty keeps points and wallets; orders checks the store's key and asks loyalty
synchronously (:mod:`services.orders.tenders.loyalty`). The sale then pays with a `points`
or `stored_value` tender naming the reservation (`POST /purchases`).
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.orders.directory.misses import StoreMisses
from services.orders.tenders import service
from services.orders.tenders.errors import DepositRefused, PointsRefused
from services.orders.tenders.loyalty import DEPOSIT_UNAVAILABLE_DOC, UNAVAILABLE_DOC, LoyaltyClient
from services.orders.tenders.schemas import (
    DepositIn,
    DepositOut,
    NoBody,
    PointsHoldIn,
    PointsHoldOut,
)
from shared.dependencies import Cipher, CurrentStore, RequestSession
from shared.idempotency import StorePost, openapi_conflict
from shared.openapi import problem

router = APIRouter(prefix="/reservations", tags=["purchases"])
deposits_router = APIRouter(tags=["purchases"])

REFUSED = problem(
    422,
    "insufficient points: balance 200, requested 5000",
    f"{PointsRefused.title}, unknown member, or invalid input",
)


@router.post(
    "",
    status_code=201,
    response_model=PointsHoldOut,
    summary="Hold a member's points or stored value for a sale in progress",
    description=(
        "Loyalty takes the points from the member's balance (or, with `tender` "
        "`stored_value`, `amount_fen` from their wallet) now and holds them until the "
        "sale pays with them (a tender of that kind of exactly `amount_fen` naming "
        "`reservation_id`), the till voids the hold, or it runs out. The rate and the most "
        "of a sale points may pay are the brand's till policy (e.g. 100 points = 1 yuan, at "
        "most 50%); stored value may pay all of it. Loyalty down: 503 "
        "`loyalty-unavailable`, and the sale can go through without them."
    ),
    responses={**openapi_conflict(), **REFUSED, **UNAVAILABLE_DOC},
)
async def hold_points(
    body: PointsHoldIn,
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
            body, lambda: service.hold_points(session, cipher, loyalty, store.id, body, key)
        )
    return answer.response()


@router.post(
    "/{reservation_id}/release",
    response_model=PointsHoldOut,
    summary="Void a hold: the member gets the points back",
    description=(
        "Only while no sale used it: a sale's points come back with its return or void. "
        "Releasing again answers as before."
    ),
    responses={
        **openapi_conflict(),
        **problem(
            422,
            "reservation 3a1f0c5e-… pays for a recorded sale: its points come back through "
            "the sale's return or void",
            PointsRefused.title,
        ),
        **UNAVAILABLE_DOC,
    },
)
async def release_points(
    reservation_id: uuid.UUID,
    session: RequestSession,
    store: CurrentStore,
    idempotent: StorePost,
    loyalty: LoyaltyClient,
) -> JSONResponse:
    key = idempotent.key
    assert key is not None
    answer = await idempotent.run(
        NoBody(),
        lambda: service.release_points(loyalty, store.id, reservation_id, key),
        path={"reservation_id": str(reservation_id)},
        status=200,
    )
    return answer.response()


@deposits_router.post(
    "/wallet-deposits",
    status_code=201,
    response_model=DepositOut,
    summary="Take a customer's deposit into their wallet (储值)",
    description=(
        "The store's till took `amount_fen` from the member; loyalty pays it into the "
        "wallet of the account their points are on, with the bonus of the brand's "
        "deposit-bonus rules, as this store's deposit (its liability). Idempotent by "
        "Idempotency-Key: a retry is one deposit."
    ),
    responses={
        **openapi_conflict(),
        **problem(
            422,
            "No loyalty account for member 0b7e4c1d-…",
            f"{DepositRefused.title}, unknown member, or invalid input",
        ),
        **DEPOSIT_UNAVAILABLE_DOC,
    },
)
async def deposit(
    body: DepositIn,
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
            body, lambda: service.deposit(session, cipher, loyalty, store.id, body, key)
        )
    return answer.response()
