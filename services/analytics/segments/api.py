"""``/segments``: saved segments other services use. Authorize, parse, call the use case,
answer. For staff with the analyst or marketing role."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from services.analytics.segments import service
from services.analytics.segments.errors import SegmentNotFound, SegmentRunNotFound
from services.analytics.segments.schemas import (
    MEMBER_HEADER,
    MemberPage,
    RunOut,
    SegmentIn,
    SegmentOut,
    SegmentPage,
    SegmentRemoved,
)
from shared.auth import require_roles
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem
from shared.pagination import Cursor, IdCursor, PageSize
from shared.tokens import Principal

router = APIRouter(prefix="/segments", tags=["analytics"])
_staff = require_roles("analyst", "marketing")
Staff = Annotated[Principal, Depends(_staff)]
StaffPost = Annotated[
    IdempotentPost, Depends(Idempotent(_staff, required=False, example="lapsed-vips-2026-12"))
]
SegmentId = Annotated[uuid.UUID, Path(description="The segment's id")]
RunId = Annotated[uuid.UUID, Path(description="The run's id")]
NOT_FOUND = problem(SegmentNotFound("no segment with id 7c1d2e3f-…"))
_CSV = "text/csv"
_CRITERIA = (
    "A criterion combines with AND any of: `rfm` (allowed scores per dimension at `bins`, "
    'e.g. `{"r": [4, 5], "f": [3, 4, 5]}`), `quadrants`, `sleeping` (`months`), '
    "`churn_risk` (`overdue` or `p_alive` with its `parameter`), `tiers`, `net_spend_fen`, "
    "`purchases` (`min`/`max`, inclusive) and `last_purchase` (`from` inclusive, `until` "
    "exclusive), over the members with a counted purchase. A bad criterion is 422 naming "
    "the field (e.g. `body.criterion.rfm`)."
)


def _now() -> datetime:
    return datetime.now(UTC)


@router.post(
    "",
    status_code=201,
    response_model=SegmentOut,
    summary="Save a segment",
    description=(
        "Staff with the analyst or marketing role. Saves the segment and queues its first "
        "run (poll `GET /segments/{id}` or the run). A retry with the same "
        "`Idempotency-Key` (optional) answers the segment saved then. " + _CRITERIA
    ),
    responses=openapi_conflict(),
)
async def create_segment(
    body: SegmentIn, session: Session, _: Staff, idempotent: StaffPost
) -> JSONResponse:
    answer = await idempotent.run(body, lambda: service.create(session, body, _now()))
    return answer.response(location=f"/segments/{answer.body['id']}")


@router.get(
    "",
    response_model=SegmentPage,
    summary="List saved segments, oldest first",
    description="Staff with the analyst or marketing role; `limit` at a time.",
)
async def list_segments(
    session: Session,
    _: Staff,
    limit: Annotated[PageSize, Query(description="Segments per page (1 to 200)")] = 50,
    cursor: Annotated[
        Cursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> SegmentPage:
    return await service.page(session, limit, cursor)


@router.get(
    "/{segment_id}",
    response_model=SegmentOut,
    summary="A saved segment",
    description="Staff with the analyst or marketing role. Its criterion and last run.",
    responses=NOT_FOUND,
)
async def get_segment(segment_id: SegmentId, session: Session, _: Staff) -> SegmentOut:
    return await service.get(session, segment_id)


@router.put(
    "/{segment_id}",
    response_model=SegmentOut,
    summary="Change a saved segment",
    description=(
        "Staff with the analyst or marketing role. Replaces the name, criterion and "
        "interval and queues a run; the next run publishes who joined and left. " + _CRITERIA
    ),
    responses=NOT_FOUND,
)
async def replace_segment(
    segment_id: SegmentId, body: SegmentIn, session: Session, _: Staff
) -> SegmentOut:
    return await service.replace(session, segment_id, body, _now())


@router.delete(
    "/{segment_id}",
    response_model=SegmentRemoved,
    summary="Delete a saved segment",
    description=(
        "Staff with the analyst or marketing role. Deletes it with its runs and members "
        "and publishes `analytics.segment.deleted`. A repeat is 404."
    ),
    responses=NOT_FOUND,
)
async def delete_segment(segment_id: SegmentId, session: Session, _: Staff) -> SegmentRemoved:
    await service.remove(session, segment_id, _now())
    return SegmentRemoved(id=segment_id)


@router.post(
    "/{segment_id}/refresh",
    status_code=202,
    response_model=RunOut,
    summary="Refresh a segment now",
    description=(
        "Staff with the analyst or marketing role. Queues a run (or answers the one "
        "already queued); the refresher materialises it within `segment_poll_seconds` and "
        "publishes the difference as `analytics.segment.changed`. Poll its `Location`."
    ),
    responses=NOT_FOUND,
)
async def refresh_segment(segment_id: SegmentId, session: Session, _: Staff) -> JSONResponse:
    run = await service.request_refresh(session, segment_id, _now())
    return JSONResponse(
        run.model_dump(mode="json"),
        status_code=202,
        headers={"Location": f"/segments/{segment_id}/runs/{run.id}"},
    )


@router.get(
    "/{segment_id}/runs/{run_id}",
    response_model=RunOut,
    summary="A run of a segment",
    description=(
        "Staff with the analyst or marketing role. `queued`, then `done` with its number "
        "(`sequence`), the members after it, who joined and left, and the events published."
    ),
    responses=problem(SegmentRunNotFound("segment 7c1d2e3f-… has no run 2a9b8c7d-…")),
)
async def get_run(segment_id: SegmentId, run_id: RunId, session: Session, _: Staff) -> RunOut:
    return await service.get_run(session, segment_id, run_id)


@router.get(
    "/{segment_id}/members",
    response_model=MemberPage,
    summary="The members of a segment, as of its last run",
    description=(
        "Staff with the analyst or marketing role. In member id order, `limit` at a time "
        "(`cursor`: the previous page's `next_cursor`), with purchases, net spend (fen) and "
        "the last purchase (UTC). `format=csv` or `Accept: text/csv` answers the page as "
        f"CSV `{','.join(MEMBER_HEADER)}`."
    ),
    responses={
        200: {
            "content": {
                _CSV: {
                    "example": ",".join(MEMBER_HEADER)
                    + "\r\n3f2b8c1e-6a4d-4f7e-9b1a-2c3d4e5f6a7b,7,182000,"
                    "2026-12-01T02:00:00+00:00\r\n"
                }
            }
        },
        **NOT_FOUND,
    },
)
async def members(
    request: Request,
    segment_id: SegmentId,
    session: Session,
    _: Staff,
    limit: Annotated[PageSize, Query(description="Members per page (1 to 200)")] = 100,
    cursor: Annotated[
        IdCursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
    output: Annotated[
        Literal["json", "csv"] | None, Query(alias="format", description="csv: the same as CSV")
    ] = None,
) -> MemberPage | Response:
    page = await service.member_page(session, segment_id, cursor, limit)
    wants_csv = output == "csv" or (output is None and _CSV in request.headers.get("accept", ""))
    if not wants_csv:
        return page
    return Response(
        service.member_csv(page),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="segment-members.csv"'},
    )
