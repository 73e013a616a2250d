"""Named errors of stored value."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


class DepositNotFound(NotFound):
    """No deposit by this id in the member's wallet."""

    title = "Deposit not found"
    slug = "deposit-not-found"


class DepositAlreadyRefunded(Conflict):
    """The deposit was refunded already (a retry with its Idempotency-Key answers as before)."""

    title = "Deposit already refunded"
    slug = "deposit-already-refunded"


class InsufficientStoredValue(Unprocessable):
    """The wallet holds less than a till asks it to pay."""

    title = "Insufficient stored value"
    slug = "insufficient-stored-value"
