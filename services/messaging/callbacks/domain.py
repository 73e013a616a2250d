"""Checking a provider's callback before its body is read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import SecretStr
from standardwebhooks import Webhook, WebhookVerificationError

from services.messaging.callbacks.errors import CallbackNotSigned
from services.messaging.config import SmsProvider


def verify(secret: SecretStr, signer: str, body: bytes, headers: Mapping[str, str]) -> None:
    """Checks that ``body`` is signed per Standard Webhooks with ``secret`` (``signer``
    names who holds it, for the problem's detail). Raises :class:`CallbackNotSigned`
    otherwise, with a ``WWW-Authenticate`` header."""
    try:
        Webhook(secret.get_secret_value()).verify(body, dict(headers), json_parse=False)
    except (WebhookVerificationError, ValueError, UnicodeDecodeError) as exc:
        raise CallbackNotSigned(
            f"the callback is not signed by {signer}: {exc}",
            headers={"WWW-Authenticate": 'Signature realm="sms"'},
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
