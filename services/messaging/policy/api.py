"""HTTP routes of the messaging policy (admin sets it; marketing reads it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from services.messaging.policy import service
from services.messaging.policy.schemas import MessagingPolicyIn, MessagingPolicyOut
from shared.auth import require_roles
from shared.dependencies import RequestSession as Session
from shared.tokens import Principal

router = APIRouter(tags=["messaging policy"])


@router.get(
    "/messaging-policy",
    response_model=MessagingPolicyOut,
    summary="Read the messaging policy: quiet hours, caps, dedupe, the points message",
    description="Staff with role admin or marketing. `version` 0: never set, the defaults.",
)
async def get_messaging_policy(
    session: Session,
    _: Annotated[Principal, Depends(require_roles("admin", "marketing"))],
) -> MessagingPolicyOut:
    return await service.get_policy(session)


@router.put(
    "/messaging-policy",
    response_model=MessagingPolicyOut,
    summary="Set the messaging policy",
    description=(
        "Admin. Marketing messages (welcome, surveys, journeys, campaigns) need the channel's "
        "marketing consent; inside `quiet_hours` (local times of day in the member's "
        "timezone: their phone number's, else the brand's) they are deferred to its end; "
        "beyond `frequency_cap` (`messages` per member and channel in `days` days) or the "
        "same template within `dedupe_window_hours`, suppressed. Transactional messages "
        "(points, tier, reward orders) are never deferred or capped; the daily digest only "
        "waits for the end of the quiet hours. `points_message`: "
        "`each_sale`, `off`, `email_only`, `above:<points>` (a sale earning at least that "
        "many), or `daily_digest` (one message per member and brand day, after it ends). "
        "Applies to messages queued from now on; the same policy again changes nothing."
    ),
)
async def put_messaging_policy(
    body: MessagingPolicyIn,
    session: Session,
    principal: Annotated[Principal, Depends(require_roles("admin"))],
) -> MessagingPolicyOut:
    return await service.set_policy(session, body, by=principal.subject)
