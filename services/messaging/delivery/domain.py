"""What the dispatcher hands a provider, and what a provider promises (its callbacks are
verified by :mod:`services.messaging.callbacks`).

A provider sends a :class:`Message` and answers
:class:`~services.messaging.notifications.domain.Delivered`, or raises
:class:`~services.messaging.delivery.errors.DeliveryError`. What a batch of messages
shares (SMTP connections) lives as long as :meth:`Provider.batch`; what lasts as long as
the dispatcher (the SMS gateway's connection pool) until :meth:`Provider.aclose`.
"""

from __future__ import annotations

import uuid
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

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
