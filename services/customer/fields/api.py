"""HTTP routes of custom field definitions: parse, authorize, call the use case, answer.

Admin and marketing define and change fields; service and analyst staff read them too
(the desk fills them in at registration)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from services.customer.fields import service
from services.customer.fields.errors import (
    CustomFieldDefinitionInvalid,
    CustomFieldExists,
    CustomFieldInUse,
    CustomFieldNotFound,
)
from services.customer.fields.schemas import FieldChange, FieldCreate, FieldKey, FieldOut, FieldPage
from shared.auth import require_roles
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem
from shared.pagination import Cursor, PageSize
from shared.tokens import Principal

router = APIRouter(tags=["custom fields"])
# one object, so FastAPI resolves it once for a route and its idempotency dependency
_definer = require_roles("marketing")
Definer = Annotated[Principal, Depends(_definer)]
Reader = Annotated[Principal, Depends(require_roles("marketing", "service", "analyst"))]

_NOT_FOUND = problem(CustomFieldNotFound("No custom field 'skin_type'"))
_INVALID = problem(
    CustomFieldDefinitionInvalid("a choice field needs at least one choice"),
    description="`custom-field-definition-invalid`: the rules do not fit the type; names the "
    "part (`choices`, `max_length`, `minimum`, `maximum`)",
)


@router.post(
    "/custom-fields",
    status_code=201,
    response_model=FieldOut,
    summary="Define a custom field (客户字段自定义)",
    description=(
        "Admin or marketing. A field of type `text` (one line, `max_length` characters, 500 "
        "when left out), `number` (an integer, within `minimum`..`maximum`), `date` "
        "(YYYY-MM-DD) or `choice` (one of `choices`' codes). A `required` field must be "
        "given by every registration from now on; a `searchable` one can be searched with "
        "`GET /members?field.<key>=…`. The key is unique for good (retired keys included): "
        "409 `custom-field-exists`. `Idempotency-Key` is optional: a retry with it gets "
        "the first answer, without it a 409."
    ),
    responses={
        **openapi_conflict(CustomFieldExists("A custom field 'skin_type' exists already")),
        **_INVALID,
    },
)
async def define_field(
    body: FieldCreate,
    session: Session,
    _: Definer,
    idempotent: Annotated[
        IdempotentPost, Depends(Idempotent(_definer, required=False, example="field-skin-type"))
    ],
) -> JSONResponse:
    answer = await idempotent.run(body, lambda: service.define(session, body))
    return answer.response(location=f"/custom-fields/{answer.body['key']}")


@router.get(
    "/custom-fields",
    response_model=FieldPage,
    summary="List custom fields",
    description="Staff. In the order they were defined, `limit` at a time; `status` keeps "
    "active or retired ones.",
)
async def list_fields(
    session: Session,
    _: Reader,
    status: Annotated[Literal["active", "retired"] | None, Query()] = None,
    limit: Annotated[PageSize, Query(description="Fields per page")] = 50,
    cursor: Annotated[
        Cursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> FieldPage:
    return await service.list_fields(session, limit, cursor, status)


@router.get(
    "/custom-fields/{key}",
    response_model=FieldOut,
    summary="Read a custom field",
    description="Staff.",
    responses=_NOT_FOUND,
)
async def get_field(key: FieldKey, session: Session, _: Reader) -> FieldOut:
    return await service.get_field(session, key)


@router.patch(
    "/custom-fields/{key}",
    response_model=FieldOut,
    summary="Change a custom field",
    description=(
        "Admin or marketing. A merge patch: labels, choices (the whole list after the "
        "change: codes added, labels changed), required, searchable, max_length, minimum, "
        "maximum, type. The new rules apply to values written from now on: a field made "
        "required is asked of registrations and cannot be cleared, but members without "
        "it keep their profiles as they are. The type cannot change once a member has a "
        "value, nor can a choice a member has be removed (409 `custom-field-in-use`). A "
        "retired field no longer changes (409 `custom-field-retired`). Setting what is "
        "there changes nothing, so a retry is harmless."
    ),
    responses={
        **_NOT_FOUND,
        **_INVALID,
        **problem(
            CustomFieldInUse("Members have values of 'skin_type': its type cannot change"),
            description="`custom-field-in-use` (names `type` or `choices`), or "
            "`custom-field-retired`",
        ),
    },
)
async def change_field(key: FieldKey, body: FieldChange, session: Session, _: Definer) -> FieldOut:
    return await service.change(session, key, body)


@router.post(
    "/custom-fields/{key}/retire",
    response_model=FieldOut,
    summary="Retire a custom field",
    description=(
        "Admin or marketing. The field is no longer written (a value for it is 422), shown "
        "in profiles or searchable, and no longer required; members' values are kept and "
        "the key stays taken. Retiring a retired field changes nothing."
    ),
    responses=_NOT_FOUND,
)
async def retire_field(key: FieldKey, session: Session, _: Definer) -> FieldOut:
    return await service.retire(session, key)
