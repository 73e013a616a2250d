"""HTTP routes of the rewards catalog (积分兑换礼品): marketing keeps the items and their
stock; members (or service staff for them) order with points; staff fulfil; orders are
cancelled with points and stock back."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from services.loyalty.accounts.errors import InsufficientPoints
from services.loyalty.rewards import catalog as items
from services.loyalty.rewards import service
from services.loyalty.rewards.domain import OrderStatus
from services.loyalty.rewards.errors import (
    InvalidRewardWindow,
    InvalidStockChange,
    RewardCodeTaken,
    RewardLimitReached,
    RewardNotFound,
    RewardOrderClosed,
    RewardOrderNotFound,
    RewardOutOfStock,
    RewardUnavailable,
    UnknownReward,
)
from services.loyalty.rewards.schemas import (
    CancelIn,
    RewardItemCreate,
    RewardItemOut,
    RewardItemPage,
    RewardItemSettings,
    RewardOrderIn,
    RewardOrderOut,
    RewardOrderPage,
    StockChangeIn,
    StockChangeOut,
    StockMovementPage,
)
from shared.auth import MEMBER_ACCESS, current_principal, ensure_member_access, require_roles
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem
from shared.pagination import Cursor, PageSize, SeqCursor
from shared.tokens import Principal

catalog = APIRouter(prefix="/rewards", tags=["rewards"])
orders = APIRouter(prefix="/members", tags=["rewards"])
queue = APIRouter(prefix="/reward-orders", tags=["rewards"])

# one object, so FastAPI resolves it once for a route and its idempotency dependency
marketing = require_roles("marketing")
Marketing = Annotated[Principal, Depends(marketing)]
Caller = Annotated[Principal, Depends(current_principal)]
MarketingPost = Annotated[
    IdempotentPost, Depends(Idempotent(marketing, example="FLASK-500-restock-1202"))
]
CallerPost = Annotated[IdempotentPost, Depends(Idempotent(current_principal, example="c0ffee-42"))]
Limit = Annotated[PageSize, Query(description="Per page: 1 to 200")]
After = Annotated[Cursor | None, Query(description="`next_cursor` of the previous page")]

_ITEM = "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b"
_ORDER = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
NO_ITEM = problem(RewardNotFound(f"No reward item {_ITEM}"))
NO_ORDER = problem(
    RewardOrderNotFound(f"No reward order {_ORDER} of member 0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11")
)
BAD_WINDOW = problem(
    InvalidRewardWindow(
        "valid_until (2026-11-30T16:00:00+00:00) must be later than valid_from "
        "(2026-12-31T16:00:00+00:00)"
    ),
    description=f"{InvalidRewardWindow.title}, or invalid input",
)


@catalog.post(
    "/items",
    status_code=201,
    response_model=RewardItemOut,
    summary="Add a reward item",
    description=(
        "Marketing or admin. Its starting stock is recorded as its first stock change. "
        "A code already taken is a 409 `reward-code-taken`; `valid_until` not later than "
        "`valid_from` a 422 `invalid-reward-window`."
    ),
    responses={
        **openapi_conflict(RewardCodeTaken("reward code 'FLASK-500' is taken by item …")),
        **BAD_WINDOW,
    },
)
async def create_item(
    body: RewardItemCreate, session: Session, principal: Marketing, idempotent: MarketingPost
) -> JSONResponse:
    answer = await idempotent.run(
        body, lambda: items.create_item(session, body, by=principal.subject)
    )
    return answer.response(location=f"/rewards/items/{answer.body['id']}")


@catalog.get(
    "/items",
    response_model=RewardItemPage,
    summary="List reward items",
    description=(
        "Any signed-in caller, in the order they were added. A member sees only the items "
        "they can order now (active, within their window); staff see all of them, or only "
        "those with `orderable=true`."
    ),
)
async def list_items(
    session: Session,
    principal: Caller,
    limit: Limit = 50,
    cursor: After = None,
    orderable: Annotated[
        bool, Query(description="Only items active and within their window now")
    ] = False,
) -> RewardItemPage:
    return await items.list_items(
        session, limit, cursor, to_staff=principal.is_staff, orderable=orderable
    )


@catalog.get(
    "/items/{item_id}",
    response_model=RewardItemOut,
    summary="Read a reward item",
    description="Any signed-in caller.",
    responses=NO_ITEM,
)
async def get_item(item_id: uuid.UUID, session: Session, principal: Caller) -> RewardItemOut:
    return await items.get_item(session, item_id, to_staff=principal.is_staff)


@catalog.put(
    "/items/{item_id}",
    response_model=RewardItemOut,
    summary="Set a reward item",
    description=(
        "Marketing or admin. Replaces name, description, point price, per-member limit, "
        "window and `active` (a field left out takes its default: no limit, an open "
        "window, active); the code and the stock stay. Orders placed keep what they cost."
    ),
    responses={**NO_ITEM, **BAD_WINDOW},
)
async def set_item(
    item_id: uuid.UUID, body: RewardItemSettings, session: Session, principal: Marketing
) -> RewardItemOut:
    return await items.set_item(session, item_id, body, by=principal.subject)


@catalog.post(
    "/items/{item_id}/stock",
    status_code=201,
    response_model=StockChangeOut,
    summary="Put units into stock or take them out",
    description=(
        "Marketing or admin. `change` units (negative: taken out, e.g. damaged) with a "
        "reason, recorded with who changed it. Taking more units than are in stock, or "
        "a change of 0, is a 422 `invalid-stock-change`; ordered units are not in stock."
    ),
    responses={
        **NO_ITEM,
        **openapi_conflict(),
        **problem(
            InvalidStockChange("cannot take 30 units out of stock: 12 in stock"),
            description=f"{InvalidStockChange.title}, or invalid input",
        ),
    },
)
async def change_stock(
    item_id: uuid.UUID,
    body: StockChangeIn,
    session: Session,
    principal: Marketing,
    idempotent: MarketingPost,
) -> JSONResponse:
    answer = await idempotent.run(
        body,
        lambda: items.change_stock(session, item_id, body, by=principal.subject),
        path={"item_id": str(item_id)},
    )
    return answer.response()


@catalog.get(
    "/items/{item_id}/stock",
    response_model=StockMovementPage,
    summary="An item's stock history",
    description=(
        "Staff with role marketing, service or analyst. Every movement of the item's "
        "stock, newest first: its stock at creation, staff putting units in or taking them "
        "out, each reward order's units out and each cancellation's back in, with who "
        "moved them, when, and the stock after."
    ),
    responses=NO_ITEM,
)
async def stock_history(
    item_id: uuid.UUID,
    session: Session,
    _: Annotated[Principal, Depends(require_roles("marketing", "service", "analyst"))],
    limit: Limit = 50,
    cursor: Annotated[
        SeqCursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> StockMovementPage:
    return await items.stock_history(session, item_id, limit, cursor)


@orders.post(
    "/{member_id}/reward-orders",
    status_code=201,
    response_model=RewardOrderOut,
    summary="Order a reward with points",
    description=(
        "By the member themself or staff with role service. In one transaction the "
        "points (point price × quantity) leave the account the member holds and the units "
        "leave the item's stock; publishes `loyalty.reward.ordered`. Refused, with "
        "nothing written: an item that is inactive or outside its window (422 "
        "`reward-unavailable`), past the per-member limit (409 `reward-limit-reached`), "
        "more units than in stock (409 `reward-out-of-stock`), more points than the "
        "balance (422 `insufficient-points`)."
    ),
    responses={
        **MEMBER_ACCESS,
        **problem(404, "No loyalty account for member 0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11"),
        **openapi_conflict(
            RewardOutOfStock("reward 'FLASK-500' has 0 in stock, 1 requested"),
            RewardLimitReached(
                "reward 'FLASK-500' is limited to 2 per member; the member holds 2 in "
                "orders, 1 more would make 3"
            ),
        ),
        **problem(
            422,
            "insufficient points: balance 200, requested 1500",
            f"{InsufficientPoints.title}, {UnknownReward.title.lower()}, "
            f"{RewardUnavailable.title.lower()}, or invalid input",
        ),
    },
)
async def place_order(
    member_id: uuid.UUID,
    body: RewardOrderIn,
    session: Session,
    principal: Caller,
    idempotent: CallerPost,
) -> JSONResponse:
    ensure_member_access(principal, member_id, "service")
    answer = await idempotent.run(
        body,
        lambda: service.place_order(
            session, member_id, body, by=principal.subject, to_staff=principal.is_staff
        ),
        path={"member_id": str(member_id)},
    )
    return answer.response()


@orders.get(
    "/{member_id}/reward-orders",
    response_model=RewardOrderPage,
    summary="A member's reward orders, newest first",
    description="The member themself, or staff with role service, marketing or analyst.",
    responses=MEMBER_ACCESS,
)
async def list_orders(
    member_id: uuid.UUID,
    session: Session,
    principal: Caller,
    limit: Limit = 50,
    cursor: After = None,
) -> RewardOrderPage:
    ensure_member_access(principal, member_id, "service", "marketing", "analyst")
    return await service.list_orders(
        session, limit, cursor, to_staff=principal.is_staff, member_id=member_id
    )


@queue.get(
    "",
    response_model=RewardOrderPage,
    summary="Reward orders, newest first",
    description=(
        "Staff with role service, marketing or analyst: every member's orders, or those of "
        "one item (`item_id`) or in one status (`status=placed`: waiting to be fulfilled)."
    ),
)
async def list_all_orders(
    session: Session,
    _: Annotated[Principal, Depends(require_roles("service", "marketing", "analyst"))],
    limit: Limit = 50,
    cursor: After = None,
    item_id: Annotated[uuid.UUID | None, Query(description="Only this item's orders")] = None,
    status: Annotated[OrderStatus | None, Query(description="Only orders in this status")] = None,
) -> RewardOrderPage:
    return await service.list_orders(
        session, limit, cursor, to_staff=True, item_id=item_id, status=status
    )


_CLOSED = RewardOrderClosed("the reward order is cancelled already; it cannot be fulfilled")


@orders.post(
    "/{member_id}/reward-orders/{order_id}/fulfil",
    response_model=RewardOrderOut,
    summary="Fulfil a reward order",
    description=(
        "Staff with role service: the member got the reward. Publishes "
        "`loyalty.reward.fulfilled`; fulfilling a fulfilled order changes nothing. A "
        "cancelled order is a 409 `reward-order-closed`."
    ),
    responses={**MEMBER_ACCESS, **NO_ORDER, **problem(_CLOSED)},
)
async def fulfil_order(
    member_id: uuid.UUID,
    order_id: uuid.UUID,
    session: Session,
    principal: Annotated[Principal, Depends(require_roles("service"))],
) -> RewardOrderOut:
    return await service.fulfil_order(session, member_id, order_id, by=principal.subject)


@orders.post(
    "/{member_id}/reward-orders/{order_id}/cancel",
    response_model=RewardOrderOut,
    summary="Cancel a reward order",
    description=(
        "The member themself or staff with role service. The points come back to the "
        "account and the units into stock, in one transaction; publishes "
        "`loyalty.reward.cancelled`. Cancelling a cancelled order changes nothing; a "
        "fulfilled one is a 409 `reward-order-closed`."
    ),
    responses={
        **MEMBER_ACCESS,
        **NO_ORDER,
        **openapi_conflict(
            RewardOrderClosed("the reward order is fulfilled already; it cannot be cancelled")
        ),
    },
)
async def cancel_order(
    member_id: uuid.UUID,
    order_id: uuid.UUID,
    body: CancelIn,
    session: Session,
    principal: Caller,
    idempotent: CallerPost,
) -> JSONResponse:
    ensure_member_access(principal, member_id, "service")
    answer = await idempotent.run(
        body,
        lambda: service.cancel_order(
            session,
            member_id,
            order_id,
            body,
            by=principal.subject,
            to_staff=principal.is_staff,
        ),
        path={"member_id": str(member_id), "order_id": str(order_id)},
        status=200,
    )
    return answer.response()
