"""``GET /audit``: a service's audit trail, for admins, as JSON pages or CSV."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import AwareDatetime

from shared.audit.log import AuditLog, Filters, Kind
from shared.audit.schemas import CSV_COLUMNS, AuditEntry, AuditPage
from shared.auth import require_roles
from shared.csvtext import csv_text
from shared.dependencies import SingleStatementSession
from shared.inputs.text import Code, SingleLine
from shared.pagination import PageSize, SeqCursor, keyset_page
from shared.tokens import MAX_SUBJECT_LENGTH, Principal

_CSV = "text/csv"
_CSV_EXAMPLE = ",".join(CSV_COLUMNS) + "\r\n"
Admin = Annotated[Principal, Depends(require_roles())]

Actor = Annotated[str, SingleLine(MAX_SUBJECT_LENGTH)]
OperationName = Annotated[str, Code(160)]


def audit_router(log: AuditLog) -> APIRouter:
    """The ``GET /audit`` route over ``log``."""
    router = APIRouter(tags=["audit"])

    @router.get(
        "/audit",
        response_model=AuditPage,
        summary="The audit trail: staff changes and unmasked reads",
        description=(
            "Admin only. This service's audit rows, newest first: every staff request that "
            "changed data (`kind=change`) and every read of personal data in clear "
            "(`kind=read`), with who (token subject and role), when (UTC), what (operation, "
            "route, the ids in the path, the member, the names of the fields sent), from "
            "where (client address, request id). Filter by `member_id`, `actor`, "
            "`operation`, `kind` and `from` (inclusive) / `until` (exclusive), ISO 8601 "
            "times with an offset. `format=csv` (or `Accept: text/csv`) answers the page "
            "as CSV. `huiyuan audit --member <id>` asks every service at once."
        ),
        responses={200: {"content": {_CSV: {"example": _CSV_EXAMPLE}}}},
    )
    async def list_audit(
        request: Request,
        session: SingleStatementSession,
        _: Admin,
        member_id: Annotated[uuid.UUID | None, Query(description="The member concerned")] = None,
        actor: Annotated[
            Actor | None,
            Query(description="A token subject", examples=["li.lei@example.com"]),
        ] = None,
        operation: Annotated[
            OperationName | None,
            Query(description="An operation id or a read's name"),
        ] = None,
        kind: Annotated[Kind | None, Query(description="change or read")] = None,
        since: Annotated[
            AwareDatetime | None,
            Query(alias="from", description="From this time", examples=["2026-11-01T00:00+08:00"]),
        ] = None,
        until: Annotated[AwareDatetime | None, Query(description="Before this time")] = None,
        limit: Annotated[PageSize, Query(description="Rows per page")] = 50,
        cursor: Annotated[
            SeqCursor | None, Query(description="`next_cursor` of the previous page")
        ] = None,
        output: Annotated[
            Literal["json", "csv"] | None, Query(alias="format", description="csv: as CSV")
        ] = None,
    ) -> AuditPage | Response:
        filters = Filters(member_id, actor, operation, kind, since, until)
        rows = await log.page(session, filters, before=cursor, limit=limit + 1)
        found, next_cursor = keyset_page(rows, limit, lambda row: str(row["id"]))
        items = [AuditEntry.model_validate(row) for row in found]
        page = AuditPage(items=items, next_cursor=next_cursor)
        if output == "csv" or (output is None and _CSV in request.headers.get("accept", "")):
            return _csv(page)
        return page

    return router


def _csv(page: AuditPage) -> Response:
    rows = (
        [
            row.model_dump(mode="json")[column]
            if column not in ("targets", "fields")
            else _joined(getattr(row, column))
            for column in CSV_COLUMNS
        ]
        for row in page.items
    )
    headers = {"Content-Disposition": 'attachment; filename="audit.csv"'}
    if page.next_cursor is not None:
        headers["X-Next-Cursor"] = page.next_cursor
    return Response(
        csv_text(CSV_COLUMNS, rows), media_type="text/csv; charset=utf-8", headers=headers
    )


def _joined(value: dict[str, str] | list[str] | None) -> str | None:
    """A row's targets as ``name=id`` pairs, its fields as names, ``;``-separated."""
    if value is None:
        return None
    if isinstance(value, dict):
        return ";".join(f"{name}={target}" for name, target in value.items())
    return ";".join(value)
