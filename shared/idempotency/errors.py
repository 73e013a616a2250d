"""The named errors of idempotent POSTs, and what makes a usable key."""

from __future__ import annotations

import re

from shared.errors import Conflict, Unprocessable

MAX_KEY_LENGTH = 200
KEY_PATTERN = r"^[\x21-\x7e]{1,200}$"
"""Printable ASCII without spaces, as HTTP header values and receipt numbers are."""
RETRY_AFTER_SECONDS = 1


class RequestInProgress(Conflict):
    """A request with the same `Idempotency-Key` is still running: retry after `Retry-After`."""

    title = "Request in progress"
    slug = "request-in-progress"


class IdempotencyKeyReused(Unprocessable):
    """The `Idempotency-Key` came before with another body: use a new key for a new request."""

    title = "Idempotency key reused"
    slug = "idempotency-key-reused"


class InvalidIdempotencyKey(Unprocessable):
    """The `Idempotency-Key` header is missing where required, or not 1-200 printable ASCII."""

    title = "Invalid Idempotency-Key"
    slug = "invalid-idempotency-key"


def check_key(key: str) -> str:
    """``key`` if it is a usable idempotency key; raises :class:`InvalidIdempotencyKey`."""
    if not _KEY.fullmatch(key):
        raise InvalidIdempotencyKey(
            f"The Idempotency-Key header must be 1 to {MAX_KEY_LENGTH} printable ASCII "
            "characters without spaces",
            field="Idempotency-Key",
            where="header",
        )
    return key


_KEY = re.compile(KEY_PATTERN)
