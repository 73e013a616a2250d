"""HTTP routes of bulk sends (群发): set one up, give it an uploaded list, start, pause,
resume or cancel it, follow its progress and read its report."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from services.messaging.broadcasts import domain, service
from services.messaging.broadcasts.errors import (
    AudienceNotFound,
    AudienceRowsRefused,
    BroadcastNotFound,
    BroadcastStateConflict,
)
from services.messaging.broadcasts.schemas import (
    BROADCAST_ID,
    AudienceUploaded,
    BroadcastIn,
    BroadcastOut,
    BroadcastPage,
    BroadcastReport,
)
from shared.auth import require_roles
from shared.dependencies import Cipher
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem
from shared.pagination import Cursor, PageSize
from shared.tokens import Principal

router = APIRouter(prefix="/broadcasts", tags=["broadcasts"])
_marketing = require_roles("marketing")
Marketing = Annotated[Principal, Depends(_marketing)]
_reader = require_roles("marketing", "analyst")
BroadcastId = Annotated[uuid.UUID, Path(description="The broadcast's id", examples=[BROADCAST_ID])]

NOT_FOUND = problem(BroadcastNotFound(f"no broadcast with id {BROADCAST_ID}"))
STATE = problem(
    BroadcastStateConflict(
        "cannot pause a completed broadcast (only when scheduled, sending, paused)"
    )
)
_UPLOAD_EXAMPLE = "phone,note\r\n+8613912345678,门店A\r\n13700001111,\r\n"
_REPORT_CSV_EXAMPLE = (
    ",".join(domain.REPORT_HEADER)
    + "\r\nsms,delivered,,380,380,3800\r\nsms,suppressed,member has not consented to sms "
    "marketing,20,0,0\r\n"
)


@router.post(
    "",
    status_code=201,
    response_model=BroadcastOut,
    summary="Set up a bulk send (a draft)",
    description=(
        "Marketing staff. A draft: give it an uploaded list if wanted "
        "(`POST /broadcasts/{id}/audience`), then `POST /broadcasts/{id}/start`. Its text is "
        "the template's published version when each member's message is queued: edit "
        "`broadcast` with `PUT /templates/broadcast/{channel}/{locale}` (preview shows SMS "
        "segments and cost) before starting, and pause it before editing while it sends. "
        "Every marketing rule applies to each member's message (marketing consent, quiet "
        "hours, frequency cap, dedupe window), and the ones held back are counted by "
        "reason. The `Idempotency-Key` header is required: a retry gets the first answer. "
        'An audience `{"segment": id}` is an analytics saved segment\'s members as its '
        "last run published them to messaging, taken when the send starts."
    ),
    responses={
        **problem(
            AudienceNotFound("member 7d1c0a52-… is not known to messaging"),
            description="`audience-not-found` naming `audience.members.<i>`, "
            "`audience.cards.<i>` or `audience.segment` (a segment analytics has not "
            "published to messaging); `template-not-broadcastable` naming `template`",
        ),
        **openapi_conflict(),
    },
)
async def create_broadcast(
    body: BroadcastIn,
    session: Session,
    principal: Marketing,
    idempotent: Annotated[IdempotentPost, Depends(Idempotent(_marketing, example="double-12"))],
) -> JSONResponse:
    async def create() -> BroadcastOut:
        return await service.create(session, body, principal.subject)

    answer = await idempotent.run(body, create)
    return answer.response(location=f"/broadcasts/{answer.body['id']}")


@router.post(
    "/{broadcast_id}/audience",
    response_model=AudienceUploaded,
    summary="Give a draft an uploaded list of members",
    description=(
        "Marketing staff. The body is CSV (`Content-Type: text/csv`, UTF-8): a header naming "
        f"one of {', '.join(domain.UPLOAD_COLUMNS)} (the first of them is read, other columns "
        f"are ignored), then one member a row, at most {domain.MAX_UPLOAD_ROWS} rows. A phone "
        "finds every active member with that number (by its lookup hash). Every row must "
        "name a member messaging knows, or the list is refused whole: `audience-rows-refused` "
        "(422) lists the rows (`rows`, the header is row 1). The list replaces the draft's "
        "audience. Sending the same list again changes nothing."
    ),
    responses={
        **NOT_FOUND,
        **STATE,
        **problem(
            AudienceRowsRefused(
                "2 row(s) refused; row 3: phone '+8613900000000' names no member messaging knows"
            )
        ),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}, "example": _UPLOAD_EXAMPLE}},
        }
    },
)
async def upload_audience(
    broadcast_id: BroadcastId,
    request: Request,
    session: Session,
    cipher: Cipher,
    _: Marketing,
) -> AudienceUploaded:
    try:
        text = (await request.body()).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise domain.refused([domain.RowError(1, "the list is not UTF-8 text")]) from exc
    return await service.upload(session, cipher, broadcast_id, text)


def _action(action: domain.Action, summary: str, description: str) -> None:
    """``POST /broadcasts/{id}/<action>``: the state change, answering the broadcast."""
    change = {
        "start": service.start,
        "pause": service.pause,
        "resume": service.resume,
        "cancel": service.cancel,
    }[action]

    @router.post(
        f"/{{broadcast_id}}/{action}",
        response_model=BroadcastOut,
        summary=summary,
        description="Marketing staff. " + description,
        responses={**NOT_FOUND, **STATE},
        name=f"{action}_broadcast",
    )
    async def act(broadcast_id: BroadcastId, session: Session, _: Marketing) -> BroadcastOut:
        return await change(session, broadcast_id)


_action(
    "start",
    "Start a draft",
    "At its `scheduled_at` if that is ahead (`scheduled`); else now: its recipients are "
    "taken at once, in one statement (the snapshot), and it is `sending`: a worker hands "
    "them to the notifications at `rate_per_second`. Only a draft starts.",
)
_action(
    "pause",
    "Pause a broadcast",
    "No further member is handed over until it is resumed; what was queued goes out. "
    "Pausing a paused broadcast changes nothing.",
)
_action(
    "resume",
    "Resume a paused broadcast",
    "It goes on from the next pending member (a scheduled one that was paused waits for its "
    "time again). Resuming one that runs changes nothing.",
)
_action(
    "cancel",
    "Cancel a broadcast",
    "Its pending members are left out, and its messages not yet sent are cancelled (reason "
    "`broadcast cancelled`); what went out stays counted. A completed broadcast cannot be "
    "cancelled; cancelling a cancelled one changes nothing.",
)


@router.get(
    "",
    response_model=BroadcastPage,
    summary="List broadcasts, newest first",
    description="Marketing staff and analysts. `state` keeps one state; `limit` at a time.",
)
async def list_broadcasts(
    session: Session,
    _: Annotated[Principal, Depends(_reader)],
    state: Annotated[
        domain.State | None,
        Query(description="Only broadcasts in this state", examples=["sending"]),
    ] = None,
    limit: Annotated[PageSize, Query(description="Broadcasts per page")] = 50,
    cursor: Annotated[
        Cursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> BroadcastPage:
    return await service.page(session, limit, cursor, state)


@router.get(
    "/{broadcast_id}",
    response_model=BroadcastOut,
    summary="A broadcast and its progress",
    description=(
        "Marketing staff and analysts. Its recipients (total once started, pending, "
        "notified, cancelled) and its notifications per channel, status and reason: queued, "
        "sent, delivered (the providers' receipts), failed, suppressed with why, with SMS "
        "segments and cost in fen."
    ),
    responses=NOT_FOUND,
)
async def get_broadcast(
    broadcast_id: BroadcastId,
    session: Session,
    _: Annotated[Principal, Depends(_reader)],
) -> BroadcastOut:
    return await service.progress(session, broadcast_id)


@router.get(
    "/{broadcast_id}/report",
    response_model=BroadcastReport,
    summary="A broadcast's report, per channel",
    description=(
        "Marketing staff and analysts. Per channel: sent (taken by a provider), delivered, "
        "failed (or undelivered by the receipt), suppressed, cancelled, still pending, and "
        "the SMS cost in fen; with the counts per status and reason they add up from. Final "
        "once it is completed or cancelled and its messages are sent. `format=csv` (or "
        "`Accept: text/csv`) answers the counts as CSV with the header "
        f"`{','.join(domain.REPORT_HEADER)}`."
    ),
    responses={200: {"content": {"text/csv": {"example": _REPORT_CSV_EXAMPLE}}}, **NOT_FOUND},
)
async def broadcast_report(
    broadcast_id: BroadcastId,
    request: Request,
    session: Session,
    _: Annotated[Principal, Depends(_reader)],
    output: Annotated[
        Literal["json", "csv"] | None,
        Query(alias="format", description="csv: the counts as CSV"),
    ] = None,
) -> BroadcastReport | Response:
    report = await service.report(session, broadcast_id)
    if output == "csv" or (output is None and "text/csv" in request.headers.get("accept", "")):
        return Response(
            service.report_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="broadcast-{broadcast_id}.csv"'},
        )
    return report
