"""HTTP route of staff reminders."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request

from services.customer.config import Settings
from services.customer.desk.reminders import service
from services.customer.desk.schemas import MAX_REMINDER_DAYS, Reminders
from shared.auth import current_principal
from shared.dependencies import RequestSession as Session
from shared.errors import Forbidden
from shared.openapi import answers
from shared.tokens import Principal

router = APIRouter(tags=["service desk"])


@answers(401, 403)
async def _staff_user(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if principal.role is None:
        raise Forbidden("Reminders are for staff tokens")
    return principal


@router.get(
    "/staff/me/reminders",
    response_model=Reminders,
    summary="My reminders: follow-ups due and birthdays coming up",
    description=(
        "Any staff token; the staff user is the token's subject. Follow-up calls of the "
        "tickets they resolved and hold, due by the end of the window, and birthdays in "
        "the window of the members whose tickets (not closed) they hold. The window is `days` days "
        "of the brand's timezone from today."
    ),
)
async def my_reminders(
    request: Request,
    session: Session,
    staff: Annotated[Principal, Depends(_staff_user)],
    days: Annotated[int, Query(ge=1, le=MAX_REMINDER_DAYS, description="Days ahead")] = 7,
) -> Reminders:
    settings: Settings = request.app.state.settings
    zone = ZoneInfo(settings.business_timezone)
    return await service.reminders(session, staff.subject, zone, days)
