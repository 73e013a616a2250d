"""How a provider says it did not take a message, and the problems of its callbacks."""

from __future__ import annotations


class DeliveryError(Exception):
    """The provider did not take the message; ``permanent`` means retrying cannot help."""

    maybe_taken_by: str | None = None
    """The provider that may have taken the message after all, when it could not say."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class OutcomeUnknown(DeliveryError):
    """The provider may have taken the message (a timeout after sending, a 5xx answer, a
    dropped connection): ask it before handing the message to another provider."""

    def __init__(self, message: str, maybe_taken_by: str | None = None) -> None:
        super().__init__(message, permanent=False)
        self.maybe_taken_by = maybe_taken_by
