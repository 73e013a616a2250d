"""``/clv/fits``: queue a BG/NBD + Gamma-Gamma fit, read it, value a member with it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from services.analytics.clv import service
from services.analytics.clv.errors import (
    FitNotFound,
    FitNotReady,
    FitWindowInvalid,
    MemberNotInFit,
    ValueUndefined,
)
from services.analytics.clv.schemas import FIT_HEADER, FitOut, FitPage, FitRequest, MemberValue
from services.analytics.config import CurrentSettings
from shared.auth import require_roles
from shared.csvtext import CSV_MEDIA_TYPE, csv_response, wants_csv
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem
from shared.pagination import Cursor, PageSize
from shared.tokens import Principal

router = APIRouter(prefix="/clv", tags=["analytics"])
_staff = require_roles("analyst", "marketing")
Staff = Annotated[Principal, Depends(_staff)]
StaffPost = Annotated[
    IdempotentPost, Depends(Idempotent(_staff, required=False, example="clv-2026-11"))
]
FitId = Annotated[uuid.UUID, Path(description="The fit's id")]
MemberId = Annotated[uuid.UUID, Path(description="The member's id")]

NOT_FOUND = problem(FitNotFound("no CLV fit with id 3f0e2a4c-…"))


@router.post(
    "/fits",
    status_code=202,
    response_model=FitOut,
    summary="Queue a CLV fit (BG/NBD and Gamma-Gamma)",
    description=(
        "Staff with the analyst or marketing role. Queues a maximum-likelihood fit of "
        "BG/NBD (repeat purchases) and Gamma-Gamma (spend per purchase) on every member "
        "who bought by `calibration_end` (the brand's days; purchases before a member "
        "registered count as history, voided and fully returned ones not). The answer is "
        "the queued fit; poll its `Location`. A retry with the same `Idempotency-Key` "
        "(optional) answers the fit queued then and queues no second one. A calibration "
        "end not before today, or a holdout end not after it or not before today, is 422 "
        "`clv-fit-window-invalid` "
        "naming the field."
    ),
    responses={
        **problem(FitWindowInvalid("2026-12-01 is not before today (2026-12-01)")),
        **openapi_conflict(),
    },
)
async def request_fit(
    body: FitRequest,
    session: Session,
    settings: CurrentSettings,
    _: Staff,
    idempotent: StaffPost,
) -> JSONResponse:
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo(settings.business_timezone)).date()
    answer = await idempotent.run(
        body, lambda: service.request_fit(session, body, today, now), status=202
    )
    return answer.response(location=f"/clv/fits/{answer.body['id']}")


@router.get(
    "/fits",
    response_model=FitPage,
    summary="The CLV fits, the newest request first",
    description=(
        "Staff with the analyst or marketing role. Every fit, queued, done or failed, "
        "`limit` at a time (`cursor`: the previous page's `next_cursor`), as "
        "`GET /clv/fits/{fit_id}` shows each. `format=csv` (or `Accept: text/csv`) answers "
        f"the page as CSV `{','.join(FIT_HEADER)}`: the parameters and the holdout "
        "flattened, empty while a fit has none."
    ),
    responses={
        200: {
            "content": {
                CSV_MEDIA_TYPE: {
                    "example": ",".join(FIT_HEADER) + "\r\n3f0e2a4c-5b6d-4e7f-8a9b-0c1d2e3f4a5b,"
                    "done,2026-06-30,2026-11-30,week,2026-12-01T02:00:00Z,"
                    "2026-12-01T02:00:09Z,,2357,946,0.243,4.414,0.793,2.426,6.25,3.74,1544.0,"
                    "-9582.4,-4059.5,1723.3,1788\r\n"
                }
            }
        }
    },
)
async def list_fits(
    request: Request,
    session: Session,
    _: Staff,
    limit: Annotated[PageSize, Query(description="Fits per page (1 to 200)")] = 50,
    cursor: Annotated[
        Cursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
    output: Annotated[
        Literal["json", "csv"] | None, Query(alias="format", description="csv: the page as CSV")
    ] = None,
) -> FitPage | Response:
    page = await service.list_fits(session, limit, cursor)
    if wants_csv(request.headers.get("accept"), output):
        return csv_response(service.fits_csv(page), "clv-fits")
    return page


@router.get(
    "/fits/{fit_id}",
    response_model=FitOut,
    summary="A CLV fit: its state, parameters and holdout check",
    description=(
        "Staff with the analyst or marketing role. `queued` until the fitting worker "
        "takes it, `running` while it fits, then `done` with the parameters (in the "
        "fit's time unit, `gamma` in fen), the log-likelihoods, the members fitted "
        "and, with a holdout, the repeat purchase days predicted and made in it; or "
        "`failed` with why (too few members)."
    ),
    responses=NOT_FOUND,
)
async def get_fit(fit_id: FitId, session: Session, _: Staff) -> FitOut:
    return await service.get_fit(session, fit_id)


@router.get(
    "/fits/{fit_id}/members/{member_id}",
    response_model=MemberValue,
    summary="A member's expected purchases, P(alive), spend and CLV under a fit",
    description=(
        "Staff with the analyst or marketing role. From the member's calibration summary "
        "and the fit: repeat purchases expected in the next `horizon` time units, the "
        "probability they are still active, the expected spend per purchase and the CLV: "
        "each unit's expected purchases at that spend, discounted at "
        "`annual_discount_rate`. A fit still queued is 409 `clv-fit-not-ready`, a failed one "
        "409 `clv-fit-failed` (its failure says why); a member "
        "who had not bought by its calibration end is 404 `clv-member-not-in-fit`; "
        "estimates that give no finite value over the horizon are 422 "
        "`clv-value-undefined` naming `horizon`."
    ),
    responses={
        **problem(
            FitNotReady("fit 3f0e2a4c-… is queued"),
            description="`clv-fit-not-ready` (queued) or `clv-fit-failed` (no parameters)",
        ),
        **problem(ValueUndefined("fit 3f0e2a4c-… gives no finite expectation over 3650 weeks")),
        **problem(
            MemberNotInFit("member 7b6f7d4e-… had not bought by 2026-06-30"),
            description="`clv-fit-not-found` (no such fit) or `clv-member-not-in-fit`",
        ),
    },
)
async def member_value(
    fit_id: FitId,
    member_id: MemberId,
    session: Session,
    _: Staff,
    horizon: Annotated[
        int,
        Query(ge=1, le=3650, description="Time units ahead (52 weeks, 365 days: a year)"),
    ] = 52,
    annual_discount_rate: Annotated[
        float, Query(ge=0, le=1, description="Yearly discount rate, compounded per unit")
    ] = 0.1,
) -> MemberValue:
    return await service.member_value(session, fit_id, member_id, horizon, annual_discount_rate)
