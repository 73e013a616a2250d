"""HTTP routes of tags: define, list, rename, delete, and bulk (un)assignment."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from services.customer.tags import service
from services.customer.tags.domain import MAX_BULK
from services.customer.tags.errors import TagNameTaken, TagNotFound
from services.customer.tags.schemas import (
    Assignment,
    MemberIds,
    TagCreate,
    TagDeleted,
    TagOut,
    TagPage,
    TagPatch,
)
from shared.auth import require_roles
from shared.dependencies import RequestSession as Session
from shared.errors import UnknownMember
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem
from shared.pagination import Cursor, PageSize
from shared.tokens import Principal

router = APIRouter(prefix="/tags", tags=["tags and categories"])
_staff = require_roles("service", "marketing")
Staff = Annotated[Principal, Depends(_staff)]

NOT_FOUND = problem(TagNotFound("No tag with id 3f0c9a1e-…"))
TAKEN = TagNameTaken("A tag named 'vip' exists already (names ignore case)")
UNKNOWN = problem(
    UnknownMember("No member has the id 7d1c0a52-…"),
    description=(
        "`unknown-member` (or, adding, `assigned-member-inactive`) names `member_ids.<i>`, "
        "the first such id; nothing is written."
    ),
)
BULK = (
    f" Names 1 to {MAX_BULK:,} member ids (a repeat counts once); an unknown id refuses the "
    "whole request. Each member it changes gets one `customer.member.updated`; a repeat "
    "changes nothing and publishes nothing. The `Idempotency-Key` header is optional: "
    "with it a retry gets the first answer verbatim."
)
TAGS_CHANGED = ' Events have `changed: ["tags"]` and `tags_added` or `tags_removed`.'


@router.post(
    "",
    status_code=201,
    response_model=TagOut,
    summary="Define a tag",
    description=(
        "Staff (service, marketing). Names are unique compared case-insensitively "
        "(`VIP` and `vip` clash: 409). The `Idempotency-Key` header is optional: a retry "
        "with the same key returns the first answer; without one a retry gets 409."
    ),
    responses=openapi_conflict(TAKEN),
)
async def create_tag(
    body: TagCreate,
    session: Session,
    _: Staff,
    idempotent: Annotated[
        IdempotentPost, Depends(Idempotent(_staff, required=False, example="tag-vip"))
    ],
) -> JSONResponse:
    async def create() -> TagOut:
        return await service.create_tag(session, body)

    answer = await idempotent.run(body, create)
    return answer.response(location=f"/tags/{answer.body['id']}")


@router.get(
    "",
    response_model=TagPage,
    summary="List tags",
    description="Staff (service, marketing, analyst). In creation order, `limit` at a time.",
)
async def list_tags(
    session: Session,
    _: Annotated[Principal, Depends(require_roles("service", "marketing", "analyst"))],
    limit: Annotated[PageSize, Query(description="Tags per page")] = 50,
    cursor: Annotated[
        Cursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> TagPage:
    return await service.list_tags(session, limit, cursor)


@router.patch(
    "/{tag_id}",
    response_model=TagOut,
    summary="Rename or recolour a tag",
    description=(
        "Staff (service, marketing). A merge patch (`color: null` removes the colour); the "
        "same values again change nothing. Members keep the tag: no member event."
    ),
    responses={**NOT_FOUND, **problem(TAKEN)},
)
async def update_tag(tag_id: uuid.UUID, body: TagPatch, session: Session, _: Staff) -> TagOut:
    return await service.update_tag(session, tag_id, body)


@router.delete(
    "/{tag_id}",
    response_model=TagDeleted,
    summary="Delete a tag",
    description=(
        "Staff (service, marketing). Takes the tag off every member, each getting "
        '`customer.member.updated` (`changed: ["tags"]`, `tags_removed`), then deletes '
        "it. A repeat is 404."
    ),
    responses=NOT_FOUND,
)
async def delete_tag(tag_id: uuid.UUID, session: Session, _: Staff) -> TagDeleted:
    return await service.delete_tag(session, tag_id)


@router.post(
    "/{tag_id}/members",
    response_model=Assignment,
    summary="Put a tag on members",
    description="Staff (service, marketing)." + BULK + TAGS_CHANGED,
    responses={**NOT_FOUND, **UNKNOWN, **openapi_conflict()},
)
async def assign(
    tag_id: uuid.UUID,
    body: MemberIds,
    session: Session,
    _: Staff,
    idempotent: Annotated[
        IdempotentPost, Depends(Idempotent(_staff, required=False, example="tag-vip-batch-1"))
    ],
) -> JSONResponse:
    async def run() -> Assignment:
        return await service.assign(session, tag_id, body)

    answer = await idempotent.run(body, run, path={"tag_id": str(tag_id)}, status=200)
    return answer.response()


@router.post(
    "/{tag_id}/members/remove",
    response_model=Assignment,
    summary="Take a tag off members",
    description=(
        "Staff (service, marketing). A POST, not a DELETE with a body, which proxies and "
        "clients may drop." + BULK + TAGS_CHANGED
    ),
    responses={**NOT_FOUND, **UNKNOWN, **openapi_conflict()},
)
async def unassign(
    tag_id: uuid.UUID,
    body: MemberIds,
    session: Session,
    _: Staff,
    idempotent: Annotated[
        IdempotentPost, Depends(Idempotent(_staff, required=False, example="untag-vip-1"))
    ],
) -> JSONResponse:
    async def run() -> Assignment:
        return await service.unassign(session, tag_id, body)

    answer = await idempotent.run(body, run, path={"tag_id": str(tag_id)}, status=200)
    return answer.response()
