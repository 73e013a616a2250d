"""HTTP routes of member imports: parse, authorize, call the use case, answer."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, BinaryIO

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from services.customer.imports import domain, exports, service, staging
from services.customer.imports.errors import ImportNotFound, UnreadableCsv
from services.customer.imports.schemas import ImportOut, UploadIdentity
from shared.audit.requests import record_change
from shared.auth import require_roles
from shared.db import Sessions, transaction
from shared.dependencies import Cipher
from shared.dependencies import RequestSession as Session
from shared.errors import Forbidden
from shared.idempotency import IdempotentPost, check_key, key_header, openapi_conflict
from shared.openapi import problem
from shared.tokens import Principal

router = APIRouter(tags=["imports"])
_UPLOAD_EXAMPLE = (
    "name,phone,email,birthday\r\n韩梅梅,139 8765 4321,meimei@example.com,1992-03-04\r\n"
)
_ERRORS_EXAMPLE = (
    "row,column,reason\r\n3,phone,is not a valid phone number for country code +86\r\n"
)
_EXPORT_EXAMPLE = (
    "id,card_number,name,phone,email,birthday,gender,locale,store_id,status,created_at\r\n"
    "7d1c0a52-7a7e-4d39-9a55-0c8f4c1f9e2b,8860000000017,李雷,+86 138****5678,"
    "l****@example.com,,male,zh-CN,,active,2026-11-23T08:15:02+00:00\r\n"
)
_importer = require_roles("service")
_MAX_FORM_FIELDS = 16  # a browser form may send a few fields besides the file; ignored


def _sessions(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.runtime.sessions
    return sessions


@router.post(
    "/imports",
    status_code=202,
    response_model=ImportOut,
    summary="Import members from a CSV file",
    description=(
        "The body is the CSV file itself (`Content-Type: text/csv`), or a form with the "
        "file as its `file` part (`multipart/form-data`, as a browser's upload form sends "
        "it). UTF-8 with or without a BOM, or GB18030 as Chinese spreadsheets save it: "
        "`charset=auto` (the default) reads UTF-8 when the whole file is UTF-8, else "
        f"GB18030. The header names columns from {', '.join(domain.COLUMNS)} in any order; "
        "name and phone are required; a cell is validated as the same field of "
        "`POST /members`. The file is staged whole (or, if unreadable, not at all) and "
        "imported by a job: follow it with `GET /imports/{id}`. Members are matched by "
        "phone: a phone a member has is skipped, so importing the same file again changes "
        "nothing. Each imported member publishes `customer.member.registered` as a "
        "registration does. With `dry_run` nothing is written, and the counts say what the "
        "import would do. With `Idempotency-Key`, a retried upload of the same file (same "
        "bytes, same query) answers the first import instead of starting another."
    ),
    responses={
        **openapi_conflict(),
        **problem(
            UnreadableCsv("The header row is not a member CSV header: unknown column 'mobile'")
        ),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}, "example": _UPLOAD_EXAMPLE},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    },
                    "example": {"file": _UPLOAD_EXAMPLE},
                },
            },
        }
    },
)
async def create_import(
    request: Request,
    cipher: Cipher,
    principal: Annotated[Principal, Depends(_importer)],
    dry_run: Annotated[bool, Query(description="Validate and count only")] = False,
    charset: Annotated[domain.CharsetChoice, Query(description="The file's charset")] = "auto",
    key: Annotated[str | None, key_header(required=False, example="import-2026-11-30")] = None,
) -> JSONResponse:
    async with _uploaded(request) as file:
        # the key's identity is the file's bytes, not the body's (a form's boundary varies)
        sent = UploadIdentity(sha256=staging.digest(file), dry_run=dry_run, charset=charset)
        async with transaction(_sessions(request)) as session:

            async def stage() -> ImportOut:
                job = await service.create_import(
                    session,
                    cipher,
                    file,
                    charset=charset,
                    dry_run=dry_run,
                    created_by=principal.subject,
                )
                return service.to_out(job)

            idempotent = IdempotentPost(
                session,
                request.app.state.spec.idempotency,
                None if key is None else check_key(key),
                principal.idempotency_scope,
                principal.idempotency_retention(request.app.state.settings),
                sent.model_dump(),
                f"{request.method} {request.url.path}",
            )
            answer = await idempotent.run(sent, stage, status=202)
            # its own transaction, not the request's, so it audits itself in it
            await record_change(session, request)
    return answer.response(location=f"/imports/{answer.body['id']}")


@contextlib.asynccontextmanager
async def _uploaded(request: Request) -> AsyncIterator[BinaryIO]:
    """The uploaded file, spooled: the body itself, or a form's ``file`` part. Raises
    :class:`UnreadableCsv` (422) naming ``file`` for a form without one."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        with await staging.spool(request.stream()) as file:
            yield file
        return
    try:
        form = await request.form(max_files=1, max_fields=_MAX_FORM_FIELDS)
    except HTTPException as unreadable:  # what Starlette makes of a malformed form
        raise UnreadableCsv(f"The form cannot be read: {unreadable.detail}", field="file") from None
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise UnreadableCsv(
                "The form has no file: send the CSV as its `file` part", field="file"
            )
        yield upload.file
    finally:
        await form.close()


@router.get(
    "/imports/{import_id}",
    response_model=ImportOut,
    summary="Follow an import",
    responses={**problem(ImportNotFound("No import with id 7d1c0a52-…"))},
)
async def get_import(
    import_id: uuid.UUID,
    session: Session,
    _: Annotated[Principal, Depends(_importer)],
) -> ImportOut:
    return service.to_out(await service.get_import(session, import_id))


@router.get(
    "/imports/{import_id}/errors",
    summary="Download an import's row errors as CSV",
    description=(
        "`text/csv` with the header `row,column,reason`: `row` is the file's row number "
        "(the header is row 1), `column` a header name or empty for the whole row. In row "
        "order; complete once the import is `done`."
    ),
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {"example": _ERRORS_EXAMPLE}}},
        **problem(ImportNotFound("No import with id 7d1c0a52-…")),
    },
)
async def import_errors(
    import_id: uuid.UUID,
    request: Request,
    session: Session,
    _: Annotated[Principal, Depends(_importer)],
) -> StreamingResponse:
    await service.get_import(session, import_id)
    return StreamingResponse(
        service.error_lines(_sessions(request), import_id),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{import_id}-errors.csv"'},
    )


@router.get(
    "/members:export",
    summary="Export members as CSV",
    description=(
        "`text/csv`, streamed, members in joining order, with the header "
        f"`{','.join(exports.HEADER)}`. Phone and email are masked and birthday left empty "
        "unless `unmasked=true`, which only admin and service staff may ask for; even "
        "then a restricted profile (加密客户) stays masked to roles that may not see it."
    ),
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {"example": _EXPORT_EXAMPLE}}}},
)
async def export_members(
    request: Request,
    cipher: Cipher,
    principal: Annotated[Principal, Depends(require_roles("service", "marketing", "analyst"))],
    unmasked: Annotated[bool, Query(description="Contact data in clear (admin, service)")] = False,
) -> StreamingResponse:
    if unmasked and principal.role not in exports.UNMASKING_ROLES:
        raise Forbidden(
            "Only admin and service staff may export contact data unmasked",
            field="unmasked",
            where="query",
        )
    return StreamingResponse(
        exports.lines(_sessions(request), cipher, unmasked=unmasked, role=principal.role),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="members.csv"'},
    )
