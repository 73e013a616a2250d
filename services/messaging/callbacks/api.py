"""What the routes providers call share (SMS providers, and the email provider's bounce
reports): the provider named in the path, and the check of its signature, made before
the body is read so that a forgery learns nothing from a 422."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import APIKeyHeader

from services.messaging.callbacks.domain import verified_callback, verified_email_callback
from services.messaging.config import EMAIL_PROVIDER, PROVIDER_NAME_PATTERN

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
    """The body must be signed per Standard Webhooks with the provider's callback secret
    (``receipt_secret``)."""
    verified_callback(
        request.app.state.settings.sms_registry(), provider, await request.body(), request.headers
    )


EmailProviderName = Annotated[
    str,
    Path(
        description=f"The email provider: `{EMAIL_PROVIDER}` (the SMTP server at `smtp_host`)",
        examples=[EMAIL_PROVIDER],
        pattern=PROVIDER_NAME_PATTERN,
        max_length=32,
    ),
]


async def signed_by_email_provider(
    request: Request,
    provider: EmailProviderName,
    _: Annotated[str | None, Depends(_signature)],
) -> None:
    """The body must be signed per Standard Webhooks with ``email_bounce_secret`` by the
    email provider named in the path."""
    secret = request.app.state.settings.email_bounce_secret
    verified_email_callback(secret, provider, await request.body(), request.headers)
