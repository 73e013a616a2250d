"""Named errors of the points kernel."""

from __future__ import annotations

from shared.errors import NotFound, Unprocessable


class AccountNotFound(NotFound):
    """The member holds no loyalty account (loyalty has seen neither their registration
    nor a purchase of theirs)."""

    title = "No loyalty account"
    slug = "account-not-found"


class InsufficientPoints(Unprocessable):
    """More points would leave an account than its balance holds (a redemption of more points
    than the available balance: points still pending in the return window cannot be spent;
    the problem's ``balance`` is then what is available and ``pending`` what is not yet)."""

    title = "Insufficient points"
    slug = "insufficient-points"


class BalanceLimitReached(Unprocessable):
    """A credit would take an account's balance past ``MAX_BALANCE`` (2^53 - 1 points)."""

    title = "Balance limit reached"
    slug = "balance-limit-reached"
