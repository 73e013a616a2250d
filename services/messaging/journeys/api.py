"""HTTP routes of journeys: their settings (marketing sets them) and their runs (staff
see what is scheduled, sent or expired, and make a run due now)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from services.messaging.journeys import service
from services.messaging.journeys.domain import Journey, RunState
from services.messaging.journeys.errors import JourneyRunDone, JourneyRunNotFound
from services.messaging.journeys.schemas import (
    JourneyRunOut,
    JourneyRunPage,
    JourneySettingsIn,
    JourneySettingsOut,
    NoBody,
)
from shared.auth import require_roles
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem
from shared.pagination import Cursor, PageSize
from shared.tokens import Principal

router = APIRouter(prefix="/journeys", tags=["journeys"])
_marketing = require_roles("marketing")
Marketing = Annotated[Principal, Depends(_marketing)]
Readers = Annotated[Principal, Depends(require_roles("marketing", "service", "analyst"))]
RUN_NOT_FOUND = problem(JourneyRunNotFound("No journey run 0b7c9a52-3f0e-4f57-9d55-1f6f3c2a9e10"))


@router.get(
    "",
    response_model=JourneySettingsOut,
    summary="Read the journeys' settings",
    description=(
        "Staff with role marketing, service or analyst. `version` 0: never set, the "
        "defaults. `event_driven` lists the journeys sent as their event is consumed."
    ),
)
async def get_journeys(session: Session, _: Readers) -> JourneySettingsOut:
    return await service.get_settings(session)


@router.put(
    "",
    response_model=JourneySettingsOut,
    summary="Set the journeys",
    description=(
        "Marketing. Every journey is marketing: consent, quiet hours, caps and dedupe of "
        "the messaging policy apply when its run falls due. `send_at`: the member's local "
        "time (their phone number's zone, else the brand's) a run falls due. "
        "`first_purchase_welcome`: due `after_days` after the first purchase's day, expiring "
        "at the end of day `until_days` (seed 004: 7–15). `birthday`: on the birthday (29 "
        "February: 28 February in a common year), with the birthday coupon when loyalty "
        "granted one. `holiday`: on the first day of each holiday named (`new_year`, "
        "`new_years_eve`, `spring_festival`, `tomb_sweeping`, `labour_day`, `dragon_boat`, "
        "`mid_autumn`, `national_day`) to every active member with marketing consent. "
        "`win_back`: `after_days` after the last purchase, expiring `expires_days` later. "
        "Runs scheduled keep their times; a journey turned off skips its runs as they fall "
        "due. A bad field is a 422 naming it; the same settings again change nothing."
    ),
)
async def put_journeys(
    body: JourneySettingsIn, session: Session, principal: Marketing
) -> JourneySettingsOut:
    return await service.set_settings(session, body, by=principal.subject)


@router.get(
    "/runs",
    response_model=JourneyRunPage,
    summary="Journey runs, the latest scheduled first",
    description=(
        "Staff with role marketing, service or analyst. `state`: `scheduled` (not yet "
        "due or not yet run), `notified` (its messages queued; each channel's fate is in "
        "the member's notifications), `expired` or `skipped` (with a `reason`)."
    ),
)
async def list_runs(
    session: Session,
    _: Readers,
    journey: Annotated[
        Journey | None, Query(description="Only this journey's runs", examples=["birthday"])
    ] = None,
    member_id: Annotated[uuid.UUID | None, Query(description="Only this member's runs")] = None,
    state: Annotated[
        RunState | None, Query(description="Only runs in this state", examples=["scheduled"])
    ] = None,
    limit: Annotated[PageSize, Query(description="Runs per page (1 to 200)")] = 50,
    cursor: Annotated[
        Cursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> JourneyRunPage:
    return await service.runs_page(
        session, journey=journey, member_id=member_id, state=state, limit=limit, after=cursor
    )


@router.post(
    "/runs/{run_id}/due",
    response_model=JourneyRunOut,
    summary="Make a scheduled run due now",
    description=(
        "Marketing. The journey worker runs it at its next poll (`journey_poll_seconds`), "
        "as it would have at its time: the policy still applies. 404 "
        "`journey-run-not-found`; 409 `journey-run-done` for a run that ran, expired or "
        "was skipped (one message per member and occurrence). The `Idempotency-Key` "
        "header is optional."
    ),
    responses={
        **RUN_NOT_FOUND,
        **openapi_conflict(JourneyRunDone("Journey run 0b7c9a52-… is notified already")),
    },
)
async def make_run_due(
    run_id: Annotated[uuid.UUID, Path(description="The run's id")],
    session: Session,
    _: Marketing,
    idempotent: Annotated[
        IdempotentPost, Depends(Idempotent(_marketing, required=False, example="due-1"))
    ],
) -> JSONResponse:
    async def due() -> JourneyRunOut:
        return await service.make_due(session, run_id)

    answer = await idempotent.run(NoBody(), due, path={"run_id": str(run_id)}, status=200)
    return answer.response()
