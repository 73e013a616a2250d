"""HTTP routes of categories: the tree (create, list, rename, move, delete) and moving
members into a category in bulk."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from services.customer.categories import service
from services.customer.categories.domain import MAX_DEPTH
from services.customer.categories.errors import (
    CategoryCycle,
    CategoryNameTaken,
    CategoryNotEmpty,
    CategoryNotFound,
    CategoryTooDeep,
)
from services.customer.categories.schemas import (
    CategoryCreate,
    CategoryDeleted,
    CategoryOut,
    CategoryPage,
    CategoryPatch,
)
from services.customer.tags.api import BULK, UNKNOWN
from services.customer.tags.schemas import Assignment, MemberIds
from shared.auth import require_roles
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem
from shared.pagination import Cursor, PageSize
from shared.tokens import Principal

router = APIRouter(prefix="/categories", tags=["tags and categories"])
_staff = require_roles("service", "marketing")
Staff = Annotated[Principal, Depends(_staff)]

NOT_FOUND = problem(CategoryNotFound("No category with id 9b8e7d6c-…"))
TAKEN = CategoryNameTaken("The parent has a category named '新客户' already (names ignore case)")
TOO_DEEP = problem(
    CategoryTooDeep(f"the category would be at level 6 of the tree; it has at most {MAX_DEPTH}"),
    description=(
        f"`member-category-too-deep` (the tree has at most {MAX_DEPTH} levels) or "
        "`member-category-parent-not-found`, naming `parent_id`."
    ),
)


@router.post(
    "",
    status_code=201,
    response_model=CategoryOut,
    summary="Add a category",
    description=(
        "Staff (service, marketing). Under `parent_id`, or a root without one; names are "
        f"unique among siblings (case-insensitively); the tree has at most {MAX_DEPTH} "
        "levels. The `Idempotency-Key` header is optional: a retry with the same key "
        "returns the first answer; without one a retry gets 409."
    ),
    responses={**TOO_DEEP, **openapi_conflict(TAKEN)},
)
async def create_category(
    body: CategoryCreate,
    session: Session,
    _: Staff,
    idempotent: Annotated[
        IdempotentPost, Depends(Idempotent(_staff, required=False, example="category-new"))
    ],
) -> JSONResponse:
    async def create() -> CategoryOut:
        return await service.create_category(session, body)

    answer = await idempotent.run(body, create)
    return answer.response(location=f"/categories/{answer.body['id']}")


@router.get(
    "",
    response_model=CategoryPage,
    summary="List categories",
    description=(
        "Staff (service, marketing, analyst). In creation order, `limit` at a time, each "
        "with its path from the root."
    ),
)
async def list_categories(
    session: Session,
    _: Annotated[Principal, Depends(require_roles("service", "marketing", "analyst"))],
    limit: Annotated[PageSize, Query(description="Categories per page")] = 50,
    cursor: Annotated[
        Cursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> CategoryPage:
    return await service.list_categories(session, limit, cursor)


@router.patch(
    "/{category_id}",
    response_model=CategoryOut,
    summary="Rename or move a category",
    description=(
        "Staff (service, marketing). A merge patch: `name` renames, `parent_id` moves the "
        "category and everything under it (`null`: to the root). Moving it under itself or "
        "a descendant is 409 `member-category-cycle`. Members keep their category id, so no "
        "member event; searching by an ancestor follows the move at once."
    ),
    responses={
        **NOT_FOUND,
        **TOO_DEEP,
        **openapi_conflict(
            TAKEN,
            CategoryCycle("Category 9b8e7d6c-… cannot move under itself or one of its descendants"),
        ),
    },
)
async def update_category(
    category_id: uuid.UUID, body: CategoryPatch, session: Session, _: Staff
) -> CategoryOut:
    return await service.update_category(session, category_id, body)


@router.delete(
    "/{category_id}",
    response_model=CategoryDeleted,
    summary="Delete an empty category",
    description=(
        "Staff (service, marketing). Only a category without sub-categories and members "
        "(409 `member-category-not-empty` otherwise). A repeat is 404."
    ),
    responses={
        **NOT_FOUND,
        **problem(CategoryNotEmpty("Category 9b8e7d6c-… still has members: move them out first")),
    },
)
async def delete_category(category_id: uuid.UUID, session: Session, _: Staff) -> CategoryDeleted:
    await service.delete_category(session, category_id)
    return CategoryDeleted(id=category_id)


@router.post(
    "/{category_id}/members",
    response_model=Assignment,
    summary="Move members into a category",
    description=(
        "Staff (service, marketing). A member is in at most one category: this moves them "
        'out of the one they were in. Events have `changed: ["category"]` and '
        "`category_id`." + BULK
    ),
    responses={**NOT_FOUND, **UNKNOWN, **openapi_conflict()},
)
async def assign(
    category_id: uuid.UUID,
    body: MemberIds,
    session: Session,
    _: Staff,
    idempotent: Annotated[
        IdempotentPost, Depends(Idempotent(_staff, required=False, example="category-batch-1"))
    ],
) -> JSONResponse:
    async def run() -> Assignment:
        return await service.assign(session, category_id, body)

    answer = await idempotent.run(body, run, path={"category_id": str(category_id)}, status=200)
    return answer.response()


@router.post(
    "/{category_id}/members/remove",
    response_model=Assignment,
    summary="Take members out of a category",
    description=(
        "Staff (service, marketing). They are then in no category (`category_id: null` in "
        "their event); a member in another category is unchanged." + BULK
    ),
    responses={**NOT_FOUND, **UNKNOWN, **openapi_conflict()},
)
async def unassign(
    category_id: uuid.UUID,
    body: MemberIds,
    session: Session,
    _: Staff,
    idempotent: Annotated[
        IdempotentPost, Depends(Idempotent(_staff, required=False, example="uncategorise-1"))
    ],
) -> JSONResponse:
    async def run() -> Assignment:
        return await service.unassign(session, category_id, body)

    answer = await idempotent.run(body, run, path={"category_id": str(category_id)}, status=200)
    return answer.response()
