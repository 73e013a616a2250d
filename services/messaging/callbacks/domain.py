"""Checking a provider's callback before its body is read."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import SecretStr
from standardwebhooks import Webhook, WebhookVerificationError

from services.messaging.callbacks.errors import CallbackNotSigned


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
