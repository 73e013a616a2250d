"""How a provider says it did not take a message."""

from __future__ import annotations


class DeliveryError(Exception):
    """The provider did not take the message; ``permanent`` means retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent
