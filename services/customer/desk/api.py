"""HTTP routes of the service desk: record tickets, move them, read, list; surveys."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from services.customer.config import Settings
from services.customer.desk import service, surveys
from services.customer.desk.domain import Filters, State
from services.customer.desk.errors import (
    SurveyAnswered,
    TicketMemberUnknown,
    TicketNotFound,
    WrongState,
)
from services.customer.desk.schemas import (
    Assignment,
    FollowUp,
    Judgement,
    Resolution,
    StaffLogin,
    SurveyAnswer,
    TicketCreate,
    TicketHistory,
    TicketListItem,
    TicketOut,
    TicketPage,
)
from services.customer.desk.sla.domain import Kind
from shared.audit.reads import AuditedRead, audited_read
from shared.auth import (
    MEMBER_ACCESS,
    STORE_ACCESS,
    current_principal,
    ensure_store_access,
    require_roles,
    store_scope,
)
from shared.dependencies import Cipher
from shared.dependencies import RequestSession as Session
from shared.errors import Forbidden
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import answers, problem
from shared.pagination import Cursor, PageSize, SeqCursor
from shared.tokens import Principal

router = APIRouter(tags=["service desk"])
_desk = require_roles("service", "manager")

NOT_FOUND = problem(TicketNotFound("No ticket with id 3f9c2a71-…"))
WRONG_STATE = openapi_conflict(
    WrongState("A ticket that is recorded cannot be resolved: only one that is assigned")
)
SUMMARY = (
    " Answers the ticket without its texts (read them with `GET /tickets/{id}`), so no "
    "free text is kept with an idempotency key. `Idempotency-Key` is optional: a retry with "
    "the key gets the first answer; without one, 409 `ticket-wrong-state`."
)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@answers(401, 403)
async def _desk_or_member(
    principal: Annotated[Principal, Depends(current_principal)],
) -> Principal:
    """Desk staff (service, manager, admin), or a member for their own tickets."""
    if principal.member_id is not None or principal.role in ("admin", "service", "manager"):
        return principal
    raise Forbidden("This endpoint is for desk staff (admin, manager, service) or the member")


@answers(403, 404)
async def _scoped_desk(
    ticket_id: uuid.UUID, session: Session, principal: Annotated[Principal, Depends(_desk)]
) -> Principal:
    """Desk staff (service, manager, admin) who reach the path's ticket."""
    await service.ensure_in_store_scope(session, ticket_id, principal)
    return principal


@answers(403, 404)
async def _scoped_desk_or_member(
    ticket_id: uuid.UUID,
    session: Session,
    principal: Annotated[Principal, Depends(_desk_or_member)],
) -> Principal:
    """Desk staff who reach the path's ticket, or a member (for their own tickets)."""
    await service.ensure_in_store_scope(session, ticket_id, principal)
    return principal


@router.post(
    "/tickets",
    status_code=201,
    response_model=TicketListItem,
    summary="Record a ticket (complaint, feedback, suggestion)",
    description=(
        "Desk staff record what a caller says (hotline, store, email…); a member token "
        "records the member's own (`member_id` is theirs, whatever the body says). The "
        "ticket is due `SLA` business hours from now by kind and priority (architecture, "
        "'Service desk'), and escalates to the manager role if still open then. The "
        "description is stored encrypted. `Idempotency-Key` is required."
    ),
    responses={
        **openapi_conflict(),
        **STORE_ACCESS,
        **problem(TicketMemberUnknown("No member with id 7d1c…")),
    },
)
async def open_ticket(
    body: TicketCreate,
    request: Request,
    session: Session,
    cipher: Cipher,
    principal: Annotated[Principal, Depends(_desk_or_member)],
    idempotent: Annotated[
        IdempotentPost, Depends(Idempotent(_desk_or_member, example="hotline-20261130-017"))
    ],
) -> JSONResponse:
    if principal.member_id is not None:
        body = body.model_copy(update={"member_id": principal.member_id})
    if (scope := store_scope(principal)) is not None:
        ensure_store_access(principal, body.store_id or scope)
        body = body.model_copy(update={"store_id": scope})

    async def record() -> TicketListItem:
        ticket = await service.open_ticket(
            session, _settings(request), cipher, body, principal.subject
        )
        return service.to_list_item(ticket, ticket.created_at)

    answer = await idempotent.run(body, record)
    return answer.response(location=f"/tickets/{answer.body['id']}")


@router.get(
    "/tickets/{ticket_id}",
    response_model=TicketOut,
    summary="Read a ticket with its texts",
    description=(
        "Desk staff (a manager scoped to a store: its tickets only), or the member whose "
        "ticket it is (404 for another's). A staff read is "
        "recorded in the audit trail (`ticket.texts`, `GET /audit`)."
    ),
    responses={**MEMBER_ACCESS, **NOT_FOUND},
)
async def get_ticket(
    ticket_id: uuid.UUID,
    session: Session,
    cipher: Cipher,
    principal: Annotated[Principal, Depends(_scoped_desk_or_member)],
    read: Annotated[AuditedRead, audited_read("ticket.texts")],
) -> TicketOut:
    ticket = await service.get_ticket(session, ticket_id, member_id=principal.member_id)
    read.member_id = ticket.member_id
    return service.to_out(cipher, ticket)


@router.get(
    "/tickets",
    response_model=TicketPage,
    summary="List tickets",
    description=(
        "Desk staff. Tickets in recording order, `limit` at a time, filtered by `state`, "
        "`kind`, `assignee` (a staff login), `member_id`, `overdue` (open past their due "
        "time now) and `escalated`. No free text in the list. A manager scoped to a store "
        "sees that store's tickets only."
    ),
)
async def list_tickets(
    session: Session,
    staff: Annotated[Principal, Depends(_desk)],
    state: State | None = None,
    kind: Kind | None = None,
    assignee: Annotated[StaffLogin | None, Query()] = None,
    member_id: uuid.UUID | None = None,
    overdue: bool | None = None,
    escalated: bool | None = None,
    limit: Annotated[PageSize, Query(description="Tickets per page")] = 50,
    cursor: Annotated[
        Cursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> TicketPage:
    filters = Filters(
        state=state,
        kind=kind,
        assignee=assignee,
        member_id=member_id,
        overdue_at=datetime.now(UTC) if overdue else None,
        not_overdue_at=datetime.now(UTC) if overdue is False else None,
        escalated=escalated,
        store_id=store_scope(staff),
    )
    return await service.list_tickets(session, filters, limit, cursor)


@router.get(
    "/tickets/{ticket_id}/history",
    response_model=TicketHistory,
    summary="A ticket's history: every step, who and when",
    description="Desk staff, or the member whose ticket it is. Oldest first.",
    responses={**MEMBER_ACCESS, **NOT_FOUND},
)
async def ticket_history(
    ticket_id: uuid.UUID,
    session: Session,
    principal: Annotated[Principal, Depends(_scoped_desk_or_member)],
    limit: Annotated[PageSize, Query(description="Steps per page")] = 50,
    cursor: Annotated[
        SeqCursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> TicketHistory:
    return await service.history(session, ticket_id, limit, cursor, principal.member_id)


class _NoBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


async def _moved(
    idempotent: IdempotentPost,
    body: BaseModel,
    ticket_id: uuid.UUID,
    move: Callable[[], Awaitable[Any]],
) -> JSONResponse:
    async def act() -> TicketListItem:
        ticket = await move()
        return service.to_list_item(ticket, ticket.updated_at)

    answer = await idempotent.run(body, act, path={"ticket_id": str(ticket_id)}, status=200)
    return answer.response()


_DeskPost = Annotated[IdempotentPost, Depends(Idempotent(_desk, required=False, example="t-42-1"))]
_Staff = Annotated[Principal, Depends(_scoped_desk)]
_MOVE = {**NOT_FOUND, **WRONG_STATE}


@router.post(
    "/tickets/{ticket_id}/judgement",
    response_model=TicketListItem,
    summary="Judge a recorded ticket valid or invalid",
    description="Desk staff. Valid: `judged`. Invalid (a `reason` required): `closed`." + SUMMARY,
    responses=_MOVE,
)
async def judge(
    ticket_id: uuid.UUID,
    body: Judgement,
    session: Session,
    cipher: Cipher,
    staff: _Staff,
    idempotent: _DeskPost,
) -> JSONResponse:
    return await _moved(
        idempotent,
        body,
        ticket_id,
        lambda: service.judge(
            session, cipher, ticket_id, staff.subject, valid=body.valid, reason=body.reason
        ),
    )


@router.post(
    "/tickets/{ticket_id}/assignment",
    response_model=TicketListItem,
    summary="Assign (or reassign) a judged ticket to a staff user",
    description="Desk staff. `assignee` is the staff login (token subject)." + SUMMARY,
    responses=_MOVE,
)
async def assign(
    ticket_id: uuid.UUID,
    body: Assignment,
    session: Session,
    staff: _Staff,
    idempotent: _DeskPost,
) -> JSONResponse:
    return await _moved(
        idempotent,
        body,
        ticket_id,
        lambda: service.assign(session, ticket_id, staff.subject, body.assignee),
    )


@router.post(
    "/tickets/{ticket_id}/resolution",
    response_model=TicketListItem,
    summary="Resolve an assigned ticket",
    description=(
        "Desk staff. Stops the SLA, schedules the follow-up and publishes "
        "`customer.ticket.resolved`: messaging sends the member a satisfaction survey on "
        "the channels they consented to." + SUMMARY
    ),
    responses=_MOVE,
)
async def resolve(
    ticket_id: uuid.UUID,
    body: Resolution,
    request: Request,
    session: Session,
    cipher: Cipher,
    staff: _Staff,
    idempotent: _DeskPost,
) -> JSONResponse:
    return await _moved(
        idempotent,
        body,
        ticket_id,
        lambda: service.resolve(
            session, _settings(request), cipher, ticket_id, staff.subject, body.resolution
        ),
    )


@router.post(
    "/tickets/{ticket_id}/follow-up",
    response_model=TicketListItem,
    summary="Record the follow-up call (跟踪服务) of a resolved ticket",
    description="Desk staff." + SUMMARY,
    responses=_MOVE,
)
async def follow_up(
    ticket_id: uuid.UUID,
    body: FollowUp,
    session: Session,
    cipher: Cipher,
    staff: _Staff,
    idempotent: _DeskPost,
) -> JSONResponse:
    return await _moved(
        idempotent,
        body,
        ticket_id,
        lambda: service.follow_up(session, cipher, ticket_id, staff.subject, body.note),
    )


@router.post(
    "/tickets/{ticket_id}/close",
    response_model=TicketListItem,
    summary="Close a followed-up ticket",
    description="Desk staff. No body." + SUMMARY,
    responses=_MOVE,
)
async def close(
    ticket_id: uuid.UUID, session: Session, staff: _Staff, idempotent: _DeskPost
) -> JSONResponse:
    return await _moved(
        idempotent, _NoBody(), ticket_id, lambda: service.close(session, ticket_id, staff.subject)
    )


@router.post(
    "/tickets/{ticket_id}/survey",
    response_model=TicketListItem,
    summary="Answer a resolved ticket's satisfaction survey",
    description=(
        "The member (their token), or desk staff taking the answer on the phone. Once per "
        "ticket: a second answer is 409 `survey-answered`, a ticket not resolved or without "
        "a member 409 `survey-not-open`. Publishes `customer.ticket.surveyed`. The "
        "`Idempotency-Key` header is optional."
    ),
    responses={
        **MEMBER_ACCESS,
        **NOT_FOUND,
        **openapi_conflict(SurveyAnswered("The survey of ticket 3f9c2a71-… was answered already")),
    },
)
async def answer_survey(
    ticket_id: uuid.UUID,
    body: SurveyAnswer,
    session: Session,
    cipher: Cipher,
    principal: Annotated[Principal, Depends(_scoped_desk_or_member)],
    idempotent: Annotated[
        IdempotentPost, Depends(Idempotent(_desk_or_member, required=False, example="s-42"))
    ],
) -> JSONResponse:
    return await _moved(
        idempotent,
        body,
        ticket_id,
        lambda: surveys.answer(
            session, cipher, ticket_id, principal.subject, body, member_id=principal.member_id
        ),
    )
