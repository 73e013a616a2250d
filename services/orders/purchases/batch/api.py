"""``POST /purchases:batch``: a day's sales at once, each recorded or refused on its own."""

from __future__ import annotations

from fastapi import APIRouter, Request

from services.orders.directory.misses import StoreMisses
from services.orders.purchases.batch import service
from services.orders.purchases.batch.schemas import MAX_BATCH_SALES, BatchOut, PurchaseBatch
from shared.dependencies import Cipher, CurrentStore, RequestSession
from shared.errors import UnknownMember
from shared.openapi import problem

UNKNOWN = UnknownMember("").problem_type

router = APIRouter(tags=["purchases"])


@router.post(
    "/purchases:batch",
    response_model=BatchOut,
    summary="Post up to 1,000 sales at once",
    description=(
        f"For a store uploading a day's sales. Each of the up to {MAX_BATCH_SALES} sales is "
        "the body of `POST /purchases` plus its own `idempotency_key`, and is recorded or "
        "refused on its own, as if the sales were posted one after the other: the answer has "
        "one result per sale, in order, with status 201 and the purchase (`replayed` if its "
        "key, or its receipt number with the same sale, was used before, also by a single "
        "post) or the sale's error with its `index`. Refused sales write nothing; recorded "
        "ones have the same effects as single posts. The batch itself answers 200."
    ),
    responses={
        **problem(
            409,
            "Another request recorded a receipt number of this batch while it was being "
            "recorded; nothing of this batch was saved. Send it again (same keys) to get each "
            "sale's answer.",
        ),
        **problem(
            422,
            "The request is invalid: body.sales: List should have at most 1000 items after "
            "validation, not 1001",
        ),
    },
)
async def post_purchase_batch(
    body: PurchaseBatch,
    request: Request,
    session: RequestSession,
    cipher: Cipher,
    store: CurrentStore,
    misses: StoreMisses,
) -> BatchOut:
    retention = store.idempotency_retention(request.app.state.settings)
    sent = (await request.json())["sales"]  # parsed already, to validate the body
    misses.check(store.id)
    recorded = await service.record_batch(
        session, cipher, store, body.sales, sent=sent, retention=retention
    )
    # a batch whose misses would pass the store's limit is refused whole (429), and its
    # transaction rolled back: nothing of it is saved
    unknown = sum(r.error is not None and r.error.type == UNKNOWN for r in recorded.results)
    misses.record(store.id, unknown)
    return recorded
