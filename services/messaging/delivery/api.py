"""HTTP routes the providers call back: SMS delivery receipts, email bounces."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from services.messaging.callbacks.api import (
    EmailProviderName,
    ProviderName,
    signed_by_email_provider,
    signed_by_provider,
)
from services.messaging.callbacks.errors import CallbackNotSigned
from services.messaging.delivery import service
from services.messaging.delivery.schemas import Bounce, BounceApplied, Receipt, ReceiptApplied
from shared.dependencies import Cipher
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


@router.post(
    "/webhooks/email/bounces/{provider}",
    response_model=BounceApplied,
    summary="A bounce or spam complaint from the email provider",
    description=(
        "Called by the email provider (`smtp`: the one SMTP server), signed per Standard "
        "Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`) with "
        "`email_bounce_secret`; anything else is the problem `callback-not-signed` (401). "
        "The email is named by its `Message-ID`. `hard`: the email becomes `undelivered` "
        "(reason `bounced`) and its address is suppressed: later emails to it are "
        "suppressed `bounced` until the member's email changes. `soft`: recorded only. "
        "`complaint`: the member's marketing email consent is withdrawn, as by the "
        "unsubscribe link. A repeat changes nothing (`repeat: true`); a Message-ID no sent "
        "email has answers 200 with `kept: false`, so the provider stops retrying it."
    ),
    dependencies=[Depends(signed_by_email_provider)],
    responses=problem(CallbackNotSigned("the callback is not signed by smtp")),
)
async def email_bounce(
    provider: EmailProviderName, bounce: Bounce, session: Session, cipher: Cipher
) -> BounceApplied:
    return await service.record_bounce(session, cipher, bounce)
