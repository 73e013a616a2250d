"""``GET /clv/tiers``: the Markov chain over loyalty tiers and each tier's CLV."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query

from services.analytics.clv.tiers import service
from services.analytics.clv.tiers.errors import TierRangeInvalid
from services.analytics.clv.tiers.schemas import TierChain
from services.analytics.config import CurrentSettings
from shared.auth import require_roles
from shared.dependencies import RequestSession as Session
from shared.openapi import problem
from shared.tokens import Principal

router = APIRouter(prefix="/clv", tags=["analytics"])
MAX_MONTHS = 120

_MONTH = r"^(19|20)\d\d-(0[1-9]|1[0-2])$"
From = Annotated[
    str,
    Query(
        alias="from",
        pattern=_MONTH,
        max_length=7,
        description="`YYYY-MM`: the first month start",
        examples=["2026-01"],
    ),
]
To = Annotated[
    str,
    Query(
        pattern=_MONTH,
        max_length=7,
        description="`YYYY-MM`: the last month start",
        examples=["2026-11"],
    ),
]


def _first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:]), 1)


@router.get(
    "/tiers",
    response_model=TierChain,
    summary="Markov-chain CLV over the loyalty tiers",
    description=(
        "Staff with the analyst or marketing role. Each member's tier at the start of "
        "every month (the brand's midnight) from `from` to `to`, from loyalty's tier "
        "events; the moves between consecutive starts estimate the monthly transition "
        "matrix P, the member-months starting in each tier their mean net spend m, and "
        "each tier's CLV is Σ_{t=0..horizon} (P/(1+d))^t · m with d the monthly rate "
        "equivalent to `annual_discount_rate` (docs/analytics.md). A range whose `to` is "
        f"not after `from`, longer than {MAX_MONTHS} months, or not yet begun is 422 "
        "`clv-tier-range-invalid` naming `to`."
    ),
    responses=problem(TierRangeInvalid("to (2026-01) is not after from (2026-11)")),
)
async def tier_chain(
    settings: CurrentSettings,
    session: Session,
    _: Annotated[Principal, Depends(require_roles("analyst", "marketing"))],
    from_: From,
    to: To,
    annual_discount_rate: Annotated[
        float, Query(ge=0, le=1, description="Yearly discount rate, compounded monthly")
    ] = 0.1,
    horizon: Annotated[int, Query(ge=0, le=120, description="Months ahead valued (H)")] = 12,
) -> TierChain:
    first, last = _first_day(from_), _first_day(to)
    zone = settings.business_timezone
    today = datetime.now(UTC).astimezone(ZoneInfo(zone)).date()
    if last <= first:
        raise TierRangeInvalid(f"to ({to}) is not after from ({from_})", field="to", where="query")
    if (last.year - first.year) * 12 + last.month - first.month > MAX_MONTHS:
        raise TierRangeInvalid(f"at most {MAX_MONTHS} months", field="to", where="query")
    if last > today:
        raise TierRangeInvalid(f"to ({to}) has not begun", field="to", where="query")
    return await service.chain(session, first, last, zone, annual_discount_rate, horizon)
