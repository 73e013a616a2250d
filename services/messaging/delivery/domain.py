"""What the dispatcher hands a provider, what a provider promises, and how its callbacks
are verified.

A provider sends a :class:`Message` and answers
:class:`~services.messaging.notifications.domain.Delivered`, or raises
:class:`~services.messaging.delivery.errors.DeliveryError`. What a batch of messages
shares (SMTP connections) lives as long as :meth:`Provider.batch`; what lasts as long as
the dispatcher (the SMS gateway's connection pool) until :meth:`Provider.aclose`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from services.messaging.callbacks import domain as callbacks
from services.messaging.callbacks.errors import CallbackNotSigned
from services.messaging.config import SmsProvider
from services.messaging.notifications.domain import Delivered


@dataclass(frozen=True)
class Message:
    notification_id: uuid.UUID
    to: str
    """The recipient's address, decrypted: an email address or a mobile number."""
    subject: str | None
    """The email's subject; ``None`` for an SMS."""
    body: str
    member_id: uuid.UUID | None = None
    """Whom it goes to: an email offers them a one-click unsubscribe link."""
    maybe_taken_by: str | None = None
    """The provider an earlier attempt left unsure whether it took the message: asked
    first, so that no other provider sends it too."""


class Sender(Protocol):
    async def send(self, message: Message) -> Delivered: ...


class Provider(Protocol):
    def batch(self) -> AbstractAsyncContextManager[Sender]:
        """A sender for one batch of messages, releasing what they shared when it ends."""
        ...

    async def aclose(self) -> None: ...


def verified_callback(
    registry: Iterable[SmsProvider], provider: str, body: bytes, headers: Mapping[str, str]
) -> None:
    """Checks that ``body`` is signed per Standard Webhooks (``webhook-id``,
    ``webhook-timestamp`` within 5 minutes, ``webhook-signature``) with the receipt secret
    of ``provider``. Raises :class:`CallbackNotSigned` otherwise."""
    secret = next((p.receipt_secret for p in registry if p.name == provider), None)
    if secret is None:
        raise CallbackNotSigned(f"no SMS provider is named {provider!r}")
    callbacks.verify(secret, provider, body, headers)
