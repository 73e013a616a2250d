"""HTTP routes the providers call back: SMS delivery receipts, email bounces."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends

from services.messaging.callbacks.api import (
    EmailProviderName,
    ProviderName,
    signed_by_email_provider,
    signed_by_provider,
)
from services.messaging.callbacks.errors import CallbackNotSigned
from services.messaging.delivery import service
from services.messaging.delivery.schemas import (
    MAX_RECEIPTS,
    Bounce,
    BounceApplied,
    Receipt,
    ReceiptApplied,
)
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


_AT = "2026-11-30T13:05:09+00:00"
_BATCH_EXAMPLE = [
    {"message_id": "4f1c2d9e7a6b4e0d8c3b2a1f0e9d8c7b", "status": "delivered", "at": _AT},
    {"message_id": "9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5d", "status": "failed", "at": _AT},
]
_BATCH_ANSWER = [
    {
        "notification_id": "0b8e0f7e-8d55-4c38-9a0b-0d2f6a3c1e11",
        "status": "delivered",
        "kept": False,
    },
    {
        "notification_id": "5d2c8a41-7f3e-4b9a-8c1d-2e6f0a9b3c47",
        "status": "undelivered",
        "kept": False,
    },
]
Receipts = Annotated[
    list[Receipt],
    Body(
        min_length=1,
        max_length=MAX_RECEIPTS,
        description=f"The receipts, 1 to {MAX_RECEIPTS}, applied in this order",
        openapi_examples={"two receipts": {"value": _BATCH_EXAMPLE}},
    ),
]


@router.post(
    "/webhooks/sms/receipts/{provider}/batch",
    response_model=list[ReceiptApplied],
    summary="A batch of delivery receipts from an SMS provider",
    description=(
        "Signed as the single receipt's route is (`callback-not-signed`, 401, otherwise), "
        "with a JSON array of receipts as its body, each as that route's body. The batch "
        "is applied in one transaction, each receipt as that route applies one, in the "
        "order given (of two receipts of a message, the later `at` counts); the answer "
        "has one item per receipt, in the same order. A receipt that is not one is 422 "
        "naming its index and field (`body.3.status`), and nothing of the batch is "
        f"applied; so is an empty array or one of more than {MAX_RECEIPTS} (`body`). A "
        "provider retrying a batch whose answer it did not get changes nothing: each "
        "receipt is a repeat."
    ),
    dependencies=[Depends(signed_by_provider)],
    responses={
        200: {
            "description": "One answer per receipt, in the batch's order",
            "content": {"application/json": {"example": _BATCH_ANSWER}},
        },
        **problem(CallbackNotSigned("the callback is not signed by primary")),
    },
)
async def sms_receipts(
    provider: ProviderName, receipts: Receipts, session: Session
) -> list[ReceiptApplied]:
    return await service.record_receipts(session, provider, receipts)


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
