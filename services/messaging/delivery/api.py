"""HTTP routes the SMS providers call back: delivery receipts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.security import APIKeyHeader

from services.messaging.callbacks.errors import CallbackNotSigned
from services.messaging.config import PROVIDER_NAME_PATTERN
from services.messaging.delivery import service
from services.messaging.delivery.domain import verified_callback
from services.messaging.delivery.schemas import Receipt, ReceiptApplied
from shared.dependencies import RequestSession as Session
from shared.openapi import problem

router = APIRouter(tags=["delivery"])

ProviderName = Annotated[
    str,
    Path(
        description="The provider's name in `sms_providers`",
        examples=["primary"],
        pattern=PROVIDER_NAME_PATTERN,
        max_length=32,
    ),
]


_signature = APIKeyHeader(
    name="webhook-signature",
    scheme_name="StandardWebhooks",
    auto_error=False,
    description=(
        "The provider's Standard Webhooks signature (`v1,<base64>`), with `webhook-id` and "
        "`webhook-timestamp`, made with its `receipt_secret`"
    ),
)


async def signed_by_provider(
    request: Request,
    provider: ProviderName,
    _: Annotated[str | None, Depends(_signature)],
) -> None:
    """The body must be signed per Standard Webhooks with the provider's receipt secret;
    checked before the body is read as a receipt, so a forgery learns nothing from a 422."""
    verified_callback(
        request.app.state.settings.sms_registry(), provider, await request.body(), request.headers
    )


@router.post(
    "/webhooks/sms/receipts/{provider}",
    response_model=ReceiptApplied,
    summary="A delivery receipt from an SMS provider",
    description=(
        "Called by the SMS provider, signed per Standard Webhooks (`webhook-id`, "
        "`webhook-timestamp`, `webhook-signature`) with its receipt secret; anything else is "
        "the problem `callback-not-signed` (401). A sent SMS becomes `delivered` or "
        "`undelivered`; a repeat changes nothing; an id no SMS has is accepted and ignored."
    ),
    dependencies=[Depends(signed_by_provider)],
    responses=problem(CallbackNotSigned("the callback is not signed by primary")),
)
async def sms_receipt(provider: ProviderName, receipt: Receipt, session: Session) -> ReceiptApplied:
    return await service.record_receipt(session, provider, receipt)
