"""Checking a provider's callback (an SMS or the email provider's) before its body is read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import SecretStr
from standardwebhooks import Webhook, WebhookVerificationError

from services.messaging.callbacks.errors import CallbackNotSigned
from services.messaging.config import EMAIL_PROVIDER, SmsProvider

SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
"""What a Standard Webhooks signature travels in (standard-webhooks.com, "Signature")."""


def verify(
    secret: SecretStr, signer: str, body: bytes, headers: Mapping[str, str], realm: str = "sms"
) -> None:
    """Checks that ``body`` is signed per Standard Webhooks with ``secret`` (``signer``
    names who holds it, for the problem's detail). Raises :class:`CallbackNotSigned`
    otherwise, with a ``WWW-Authenticate`` header of ``realm``, naming the first of the
    three headers the request lacks (or sends empty) if it lacks any."""
    challenge = {"WWW-Authenticate": f'Signature realm="{realm}"'}
    sent = {name.lower() for name, value in headers.items() if value.strip()}
    missing = [name for name in SIGNATURE_HEADERS if name not in sent]
    if missing:
        raise CallbackNotSigned(
            f"the callback is not signed by {signer}: its {', '.join(missing)} "
            f"header{'s are' if len(missing) > 1 else ' is'} missing or empty (Standard "
            f"Webhooks signs a request with all of {', '.join(SIGNATURE_HEADERS)})",
            headers=challenge,
            where="header",
            field=missing[0],
        )
    try:
        Webhook(secret.get_secret_value()).verify(body, dict(headers), json_parse=False)
    except (WebhookVerificationError, ValueError, UnicodeDecodeError) as exc:
        raise CallbackNotSigned(
            f"the callback is not signed by {signer}: {exc}",
            headers=challenge,
        ) from exc


def verified_callback(
    registry: Iterable[SmsProvider], provider: str, body: bytes, headers: Mapping[str, str]
) -> None:
    """Checks that ``body`` is signed per Standard Webhooks (``webhook-id``,
    ``webhook-timestamp`` within 5 minutes, ``webhook-signature``) with the callback secret
    (``receipt_secret``) of ``provider``: its delivery receipts and its inbound replies.
    Raises :class:`CallbackNotSigned` otherwise."""
    secret = next((p.receipt_secret for p in registry if p.name == provider), None)
    if secret is None:
        raise CallbackNotSigned(f"no SMS provider is named {provider!r}")
    verify(secret, provider, body, headers)


def verified_email_callback(
    secret: SecretStr, provider: str, body: bytes, headers: Mapping[str, str]
) -> None:
    """Checks that ``body`` is signed per Standard Webhooks with ``secret`` (the
    ``email_bounce_secret``) by the email provider, whose name is
    :data:`~services.messaging.config.EMAIL_PROVIDER`. Raises :class:`CallbackNotSigned`
    otherwise."""
    if provider != EMAIL_PROVIDER:
        raise CallbackNotSigned(f"no email provider is named {provider!r}")
    verify(secret, provider, body, headers, realm="email")
