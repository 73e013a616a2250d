"""HTTP routes of the category tree: adding, renaming and moving categories, reading it.

Admins change it; marketing (and admins) read it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from services.orders.catalog.api import UNKNOWN_CATEGORY, Admin, Reader, admin
from services.orders.catalog.categories import service
from services.orders.catalog.categories.schemas import (
    CategoryChange,
    CategoryCreate,
    CategoryList,
    CategoryOut,
)
from services.orders.catalog.errors import CategoryExists, CategoryLoop, CategoryNotFound
from services.orders.catalog.schemas import CategoryCode
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem

router = APIRouter(prefix="/catalog", tags=["catalog"])

CategoryPost = Annotated[
    IdempotentPost, Depends(Idempotent(admin, required=False, example="category-health"))
]
_NO_CATEGORY = problem(CategoryNotFound("No category 'health-fishoil'"))


@router.post(
    "/categories",
    status_code=201,
    response_model=CategoryOut,
    summary="Add a category",
    description=(
        "Admin. A top category (保健品, 化妆品, 日用品...) or one under `parent_code`; the tree "
        "has at most 5 levels (422 `category-too-deep`). Codes are stable: sale lines and "
        "`orders.product.changed` carry them. With an `Idempotency-Key`, a retry gets the "
        "first answer; without one, a repeated code is a 409 `category-exists`."
    ),
    responses={
        **openapi_conflict(CategoryExists("Category 'health' exists already")),
        **UNKNOWN_CATEGORY,
    },
)
async def create_category(
    body: CategoryCreate, session: Session, _: Admin, idempotent: CategoryPost
) -> JSONResponse:
    answer = await idempotent.run(body, lambda: service.create_category(session, body))
    return answer.response(location=f"/catalog/categories/{answer.body['code']}")


@router.patch(
    "/categories/{code}",
    response_model=CategoryOut,
    summary="Rename or move a category",
    description=(
        "Admin. `name` renames it; `parent_code` moves it with its subtree (`null`: to the "
        "top), which publishes `orders.product.changed` for every product below it, whose "
        "ancestors changed. Moving a category under itself or a descendant is a 422 "
        "`category-loop`."
    ),
    responses={
        **_NO_CATEGORY,
        **problem(
            CategoryLoop(
                "Category 'health' cannot move under 'health-fishoil', which is one of its "
                "descendants"
            )
        ),
    },
)
async def change_category(
    code: CategoryCode, body: CategoryChange, session: Session, _: Admin
) -> CategoryOut:
    return await service.change_category(session, code, body)


@router.get(
    "/categories",
    response_model=CategoryList,
    summary="Read the category tree",
    description="Marketing or admin. Every category, each top one followed by its subtree.",
)
async def list_categories(session: Session, _: Reader) -> CategoryList:
    return await service.list_categories(session)
