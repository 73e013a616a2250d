"""HTTP routes of opt-outs: the one-click unsubscribe link (no login: the signed token is
the credential) and the SMS providers' inbound-reply callbacks (signed per Standard
Webhooks with each provider's secret; the old path without a provider, signed with
``sms_webhook_secret``, is the first provider's and deprecated)."""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.security import APIKeyHeader

from services.messaging.callbacks import domain as callbacks
from services.messaging.callbacks.api import ProviderName, signed_by_provider
from services.messaging.callbacks.errors import CallbackNotSigned
from services.messaging.config import Settings
from services.messaging.optouts import service
from services.messaging.optouts.errors import UnsubscribeLinkInvalid
from services.messaging.optouts.schemas import InboundSmsIn, InboundSmsOut, OptOutOut
from shared.dependencies import Cipher
from shared.dependencies import RequestSession as Session
from shared.openapi import problem

router = APIRouter(tags=["opt-outs"])

Token = Annotated[
    str,
    Path(
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="The signed token of the link (names member, channel and class only)",
        examples=["u1vJ8Y6KQyW3hS0r2bqk_mVtb2B4Kx1P9uQ0wZ3aH7s1bQ"],
    ),
]
_INVALID = problem(UnsubscribeLinkInvalid("This unsubscribe link is not valid"))
_FORGED = problem(CallbackNotSigned("the callback is not signed by the SMS provider"))


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _key(request: Request) -> bytes:
    return _settings(request).unsubscribe_key.get_secret_value().encode()


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><meta charset=utf-8>"
        f"<title>{escape(title)}</title><h1>{escape(title)}</h1>{body}",
        status_code=status,
    )


@router.get(
    "/unsubscribe/{token}",
    response_class=HTMLResponse,
    summary="The unsubscribe page of an email's link",
    description=(
        "No login. Shows what the link opts out of, with a button that POSTs to the same "
        "address; a GET changes nothing (mail scanners open links)."
    ),
    responses={
        200: {"content": {"text/html": {"example": "<form method=post>…</form>"}}},
        **_INVALID,
    },
)
async def unsubscribe_page(token: Token, request: Request) -> HTMLResponse:
    named = service.unsubscription_of(_key(request), token)
    return _page(
        "退订 / Unsubscribe",
        f"<p>Stop {named.message_class} {named.channel} messages? "
        "Service messages (points, orders) still reach you.</p>"
        '<form method="post"><button type="submit">退订 / Unsubscribe</button></form>',
    )


@router.post(
    "/unsubscribe/{token}",
    response_model=OptOutOut,
    summary="Unsubscribe in one click (RFC 8058)",
    description=(
        "No login; the body (`List-Unsubscribe=One-Click`) is not read. Marketing on the "
        "token's channel stops at once; customer records the consent change and publishes "
        "`customer.member.consent_changed`. Idempotent: a repeat answers `changed: false`. "
        "A browser (Accept: text/html) gets a confirmation page."
    ),
    responses={
        200: {"content": {"text/html": {"example": "<h1>已退订 / Unsubscribed</h1>"}}},
        **_INVALID,
    },
)
async def unsubscribe(token: Token, request: Request, session: Session) -> Response | OptOutOut:
    done = await service.unsubscribe(session, _key(request), token)
    if "text/html" in request.headers.get("accept", ""):
        return _page("已退订 / Unsubscribed", f"<p>No more marketing {done.channel}.</p>")
    return done


_signature = APIKeyHeader(
    name="webhook-signature",
    scheme_name="StandardWebhooks",
    description="Standard Webhooks: `webhook-signature` (v1,<base64 HMAC-SHA256>) over "
    "`webhook-id`.`webhook-timestamp`.body with the SMS provider's secret",
    auto_error=False,
)


async def _signed_with_the_old_secret(
    request: Request, _: Annotated[str | None, Depends(_signature)]
) -> None:
    """Verifies the callback per Standard Webhooks with ``sms_webhook_secret``, before the
    body is read as JSON."""
    secret = _settings(request).sms_webhook_secret
    callbacks.verify(secret, "the SMS provider", await request.body(), request.headers)


_REPLIES = (
    "T, TD, 退订, N, STOP or UNSUBSCRIBE (any case, full-width too) turns marketing SMS off "
    "for the sender's members; other text is stored only. Idempotent by the provider and "
    "`provider_message_id`."
)


@router.post(
    "/webhooks/sms/inbound/{provider}",
    response_model=InboundSmsOut,
    summary="An SMS reply, from the SMS provider that received it",
    description=(
        "Signed per Standard Webhooks with the provider's callback secret (its "
        "`receipt_secret` in `sms_providers`, the one its delivery receipts are signed "
        "with): `webhook-id`, `webhook-timestamp` (within 5 minutes), "
        "`webhook-signature`; otherwise, or for a provider not in `sms_providers`, 401. " + _REPLIES
    ),
    dependencies=[Depends(signed_by_provider)],
    responses=_FORGED,
)
async def inbound_sms_of(
    provider: ProviderName, body: InboundSmsIn, session: Session, cipher: Cipher
) -> InboundSmsOut:
    return await service.receive_reply(session, cipher, provider, body)


@router.post(
    "/webhooks/sms/inbound",
    response_model=InboundSmsOut,
    summary="An SMS reply, from the first SMS provider (deprecated)",
    description=(
        "Deprecated: use `/webhooks/sms/inbound/{provider}`, which each provider signs with "
        "its own secret. Kept for a provider set up before it: the reply is the first "
        "provider's of `sms_providers` (`primary` by default), signed per Standard Webhooks "
        "with `sms_webhook_secret`: `webhook-id`, `webhook-timestamp` (within 5 minutes), "
        "`webhook-signature`; otherwise 401. " + _REPLIES
    ),
    dependencies=[Depends(_signed_with_the_old_secret)],
    responses=_FORGED,
    deprecated=True,
)
async def inbound_sms(
    body: InboundSmsIn, request: Request, session: Session, cipher: Cipher
) -> InboundSmsOut:
    primary = _settings(request).sms_registry()[0].name
    return await service.receive_reply(session, cipher, primary, body)
