"""Named errors of stores and their API keys."""

from __future__ import annotations

from shared.errors import NotFound, ProblemError


class StoreNotFound(NotFound):
    """No store has the id in the path."""

    title = "Store not found"
    slug = "store-not-found"


class StoreKeyNotFound(NotFound):
    """The store has no key with the id in the path."""

    title = "Store key not found"
    slug = "store-key-not-found"


class TooManyKeyFailures(ProblemError):
    """Too many wrong store API keys came from this client address (the key was not even
    looked up), or claimed one store's key ids; retry after ``Retry-After`` seconds. A
    store's right key keeps working from any other address."""

    status = 429
    title = "Too many wrong store keys"
    slug = "too-many-key-failures"
