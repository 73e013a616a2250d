"""HTTP routes the SMS providers call back: delivery receipts."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from services.messaging.callbacks.api import ProviderName, signed_by_provider
from services.messaging.callbacks.errors import CallbackNotSigned
from services.messaging.delivery import service
from services.messaging.delivery.schemas import Receipt, ReceiptApplied
from shared.dependencies import RequestSession as Session
from shared.openapi import problem

router = APIRouter(tags=["delivery"])


@router.post(
    "/webhooks/sms/receipts/{provider}",
    response_model=ReceiptApplied,
    summary="A delivery receipt from an SMS provider",
    description=(
        "Called by the SMS provider, signed per Standard Webhooks (`webhook-id`, "
        "`webhook-timestamp`, `webhook-signature`) with its receipt secret; anything else is "
        "the problem `callback-not-signed` (401). A sent SMS becomes `delivered` or "
        "`undelivered`; a repeat changes nothing. A receipt for a message id no recorded "
        "SMS of that provider has is kept (`kept: true`): it can come before the "
        "dispatcher recorded the send, and is applied when it does (one never claimed is "
        "dropped after 7 days)."
    ),
    dependencies=[Depends(signed_by_provider)],
    responses=problem(CallbackNotSigned("the callback is not signed by primary")),
)
async def sms_receipt(provider: ProviderName, receipt: Receipt, session: Session) -> ReceiptApplied:
    return await service.record_receipt(session, provider, receipt)
