"""``GET /reports/referrals``: authorize, check the range, read the report, answer."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, Response

from services.analytics.config import CurrentSettings
from services.analytics.referrals import service
from services.analytics.referrals.domain import MAX_MONTHS, months
from services.analytics.referrals.errors import ReportRangeInvalid
from services.analytics.referrals.schemas import ReferralMonth, ReferralReport
from shared.auth import require_roles
from shared.csvtext import CSV_MEDIA_TYPE, csv_response, wants_csv
from shared.dependencies import RequestSession as Session
from shared.openapi import problem
from shared.tokens import Principal

router = APIRouter(tags=["analytics"])

_MONTH = r"^(19|20)\d\d-(0[1-9]|1[0-2])$"
From = Annotated[
    str,
    Query(
        alias="from", pattern=_MONTH, max_length=7, description="`YYYY-MM`", examples=["2026-01"]
    ),
]
To = Annotated[
    str, Query(pattern=_MONTH, max_length=7, description="`YYYY-MM`", examples=["2026-11"])
]


def _first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:]), 1)


@router.get(
    "/reports/referrals",
    response_model=ReferralReport,
    summary="The referral rate per month (老带新)",
    description=(
        "Staff with the analyst or marketing role. Per calendar month of the brand from "
        f"`from` to `to` (both included, at most {MAX_MONTHS}) and over the range: "
        "registrations, those with a referral code (`referral_rate`), and of those, the "
        "ones whose first paid purchase qualified the referral (`qualification_rate`) and "
        "the ones rewarded. A range that ends before it begins or is too long is 422 "
        "`report-range-invalid` naming `to`. `format=csv` (or `Accept: text/csv`) answers "
        "the months then the total as CSV `" + ",".join(ReferralMonth.model_fields) + "`."
    ),
    responses={
        200: {
            "content": {
                CSV_MEDIA_TYPE: {
                    "example": ",".join(ReferralMonth.model_fields)
                    + "\r\n2026-11,400,60,0.15,42,0.7,35\r\n"
                    "2026-11..2026-11,400,60,0.15,42,0.7,35\r\n"
                }
            }
        },
        **problem(ReportRangeInvalid("to (2026-01) is before from (2026-11)")),
    },
)
async def referral_report(
    request: Request,
    settings: CurrentSettings,
    session: Session,
    _: Annotated[Principal, Depends(require_roles("analyst", "marketing"))],
    from_: From,
    to: To,
    output: Annotated[
        Literal["json", "csv"] | None, Query(alias="format", description="csv: the table")
    ] = None,
) -> ReferralReport | Response:
    first, last = _first_day(from_), _first_day(to)
    if last < first:
        raise ReportRangeInvalid(f"to ({to}) is before from ({from_})", field="to", where="query")
    if len(months(first, last)) > MAX_MONTHS:
        raise ReportRangeInvalid(
            f"at most {MAX_MONTHS} months in one report", field="to", where="query"
        )
    report = await service.report(session, first, last, ZoneInfo(settings.business_timezone))
    if wants_csv(request.headers.get("accept"), output):
        return csv_response(service.report_csv(report), "referrals")
    return report
