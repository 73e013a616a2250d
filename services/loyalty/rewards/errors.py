"""Named errors of the rewards catalog and its orders."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


class RewardNotFound(NotFound):
    """No reward item has the id in the path."""

    title = "No such reward"
    slug = "reward-not-found"


class UnknownReward(Unprocessable):
    """A reward order names an item the catalog does not have."""

    title = "Unknown reward"
    slug = "unknown-reward"


class RewardCodeTaken(Conflict):
    """Another reward item has this code already (codes never change)."""

    title = "Reward code taken"
    slug = "reward-code-taken"


class InvalidRewardWindow(Unprocessable):
    """A validity window that ends before it starts (``valid_until`` must be later than
    ``valid_from``)."""

    title = "Invalid validity window"
    slug = "invalid-reward-window"


class RewardUnavailable(Unprocessable):
    """The item cannot be ordered now: it is inactive, or outside its validity window."""

    title = "Reward unavailable"
    slug = "reward-unavailable"


class RewardOutOfStock(Conflict):
    """Fewer units are in stock than the order asks for (``stock``, ``requested``)."""

    title = "Reward out of stock"
    slug = "reward-out-of-stock"


class RewardLimitReached(Conflict):
    """The order would take the member past the item's per-member limit (``limit``,
    ``ordered``: units of the item the member holds in orders not cancelled)."""

    title = "Reward limit reached"
    slug = "reward-limit-reached"


class InvalidStockChange(Unprocessable):
    """A stock change of zero, one that takes more units than are in stock, or one past
    the most an item may stock."""

    title = "Invalid stock change"
    slug = "invalid-stock-change"


class RewardOrderNotFound(NotFound):
    """No reward order of that member has the id in the path."""

    title = "No such reward order"
    slug = "reward-order-not-found"


class RewardOrderClosed(Conflict):
    """The order was fulfilled or cancelled already, so it cannot be the other."""

    title = "Reward order closed"
    slug = "reward-order-closed"
