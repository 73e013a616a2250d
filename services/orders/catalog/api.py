"""HTTP routes of the catalog: products, void and restore, prices, the SKU policy.

Admins change the catalog; marketing (and admins) read it. Prices are integers in fen.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from services.orders.catalog import service
from services.orders.catalog.domain import Status
from services.orders.catalog.errors import (
    ProductNotFound,
    SkuTaken,
    UnknownCategory,
)
from services.orders.catalog.schemas import (
    CategoryCode,
    PolicyIn,
    PolicyOut,
    PriceHistory,
    ProductChange,
    ProductCreate,
    ProductOut,
    ProductPage,
)
from shared.auth import require_roles
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.inputs import SingleLine
from shared.openapi import problem
from shared.pagination import Cursor, PageSize, SeqCursor
from shared.tokens import Principal

router = APIRouter(prefix="/catalog", tags=["catalog"])

# one object, so FastAPI resolves it once for a route and its idempotency dependency
admin = require_roles()
Admin = Annotated[Principal, Depends(admin)]
Reader = Annotated[Principal, Depends(require_roles("marketing"))]


ProductPost = Annotated[
    IdempotentPost, Depends(Idempotent(admin, required=False, example="HP-FISHOIL-60"))
]
SearchText = Annotated[str, SingleLine(100)]

_NO_PRODUCT = problem(ProductNotFound("No product 2c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f"))
UNKNOWN_CATEGORY = problem(
    UnknownCategory(
        "No category 'health-fishoil' in the catalog; create it first (POST /catalog/categories)"
    )
)


@router.post(
    "/products",
    status_code=201,
    response_model=ProductOut,
    summary="Add a product",
    description=(
        "Admin. Its list price (fen) starts the price history, with who set it; publishes "
        "`orders.product.changed`. Once the catalog has a product, sales are checked "
        "against it by default (see `/catalog/policy`). A SKU already in the catalog, void "
        "or not, is a 409 `sku-taken` (without an `Idempotency-Key` to replay)."
    ),
    responses={
        **openapi_conflict(
            SkuTaken(
                "SKU 'HP-FISHOIL-60' is in the catalog already as product 2c9d8e7f-…; change "
                "it with PATCH /catalog/products/2c9d8e7f-…, or restore it if void"
            )
        ),
        **UNKNOWN_CATEGORY,
    },
)
async def create_product(
    body: ProductCreate, session: Session, principal: Admin, idempotent: ProductPost
) -> JSONResponse:
    answer = await idempotent.run(
        body, lambda: service.create_product(session, body, by=principal.subject)
    )
    return answer.response(location=f"/catalog/products/{answer.body['id']}")


@router.get(
    "/products",
    response_model=ProductPage,
    summary="List or search products",
    description=(
        "Marketing or admin. In the order they were added, `limit` at a time. `q` finds a "
        "piece of the SKU or the name (any case); `category` keeps that category and its "
        "subtree; `status` keeps active or void products."
    ),
    responses=problem(
        UnknownCategory(
            "No category 'health-x' in the catalog; create it first (POST /catalog/categories)"
        )
    ),
)
async def list_products(
    session: Session,
    _: Reader,
    q: Annotated[SearchText | None, Query(description="Part of a SKU or name")] = None,
    category: Annotated[CategoryCode | None, Query(examples=["health"])] = None,
    status: Annotated[Status | None, Query()] = None,
    limit: Annotated[PageSize, Query()] = 50,
    cursor: Annotated[
        Cursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> ProductPage:
    return await service.list_products(
        session, limit, cursor, text=q, category=category, status=status
    )


@router.get(
    "/products/{product_id}",
    response_model=ProductOut,
    summary="Read a product",
    description="Marketing or admin.",
    responses=_NO_PRODUCT,
)
async def get_product(product_id: uuid.UUID, session: Session, _: Reader) -> ProductOut:
    return await service.get_product(session, product_id)


@router.patch(
    "/products/{product_id}",
    response_model=ProductOut,
    summary="Change a product's name, category or list price",
    description=(
        "Admin. Fields left out (or null) stay. A new list price goes into the price history "
        "with the time and who set it; any change publishes `orders.product.changed`. "
        "Setting what is already there changes nothing. The SKU never changes."
    ),
    responses={**_NO_PRODUCT, **UNKNOWN_CATEGORY},
)
async def change_product(
    product_id: uuid.UUID, body: ProductChange, session: Session, principal: Admin
) -> ProductOut:
    return await service.change_product(session, product_id, body, by=principal.subject)


@router.post(
    "/products/{product_id}/void",
    response_model=ProductOut,
    summary="Void a product (作废)",
    description=(
        "Admin. A void product stays in the catalog and its history; when SKUs are checked "
        "strictly, a sale of it is refused (422 `void-sku`). Voiding a void product changes "
        "nothing. Publishes `orders.product.changed`."
    ),
    responses=_NO_PRODUCT,
)
async def void_product(product_id: uuid.UUID, session: Session, principal: Admin) -> ProductOut:
    return await service.set_status(session, product_id, "void", by=principal.subject)


@router.post(
    "/products/{product_id}/restore",
    response_model=ProductOut,
    summary="Restore a void product (恢复)",
    description=(
        "Admin. The product can be sold again; restoring an active product changes nothing. "
        "Publishes `orders.product.changed`."
    ),
    responses=_NO_PRODUCT,
)
async def restore_product(product_id: uuid.UUID, session: Session, principal: Admin) -> ProductOut:
    return await service.set_status(session, product_id, "active", by=principal.subject)


@router.get(
    "/products/{product_id}/prices",
    response_model=PriceHistory,
    summary="Read a product's price history",
    description=(
        "Marketing or admin. Every list price it had, newest first, each with when it was "
        "set and by whom; the last is its price when it was added."
    ),
    responses=_NO_PRODUCT,
)
async def price_history(
    product_id: uuid.UUID,
    session: Session,
    _: Reader,
    limit: Annotated[PageSize, Query()] = 50,
    cursor: Annotated[
        SeqCursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> PriceHistory:
    return await service.price_history(session, product_id, limit, cursor)


@router.get(
    "/policy",
    response_model=PolicyOut,
    summary="Read how sales' SKUs are checked",
    description="Marketing or admin. `strict` says how they are checked right now.",
)
async def get_policy(session: Session, _: Reader) -> PolicyOut:
    return await service.get_policy(session)


@router.put(
    "/policy",
    response_model=PolicyOut,
    summary="Set how sales' SKUs are checked",
    description=(
        "Admin. `strict` refuses a sale line whose SKU is not an active catalog product "
        "(422 `unknown-sku`, `void-sku`, naming `lines.N.sku`; nothing is written); "
        "`lenient` accepts it with the category the till sent; `auto` (the default) is "
        "lenient while the catalog is empty and strict once it has a product. A catalog "
        "product's line always takes the catalog's category, whatever the till sent."
    ),
)
async def set_policy(body: PolicyIn, session: Session, principal: Admin) -> PolicyOut:
    return await service.set_policy(session, body, by=principal.subject)
