"""Delivery providers: SMTP for email, an HTTP gateway for SMS."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Delivery:
    """The provider accepted the message."""

    provider_message_id: str
    response: dict[str, Any] = field(default_factory=dict)


class DeliveryError(Exception):
    """The provider did not take the message; ``permanent`` means retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent
