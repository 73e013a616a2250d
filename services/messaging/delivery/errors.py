"""How a provider says it did not take a message."""

from __future__ import annotations


class DeliveryError(Exception):
    """The provider did not take the message; ``permanent`` means retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class OutcomeUnknown(DeliveryError):
    """The provider may have taken the message (a timeout after sending, a 5xx answer, a
    dropped connection): ask it before handing the message to another provider."""

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=False)
