"""Pure rules of the rewards catalog (积分兑换礼品): when an item can be ordered, what an
order costs, how stock moves and how an order's status may change.

Points and units of stock are integers; times are aware. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from services.loyalty.rewards.errors import (
    InvalidRewardWindow,
    InvalidStockChange,
    RewardLimitReached,
    RewardOrderClosed,
    RewardOutOfStock,
    RewardUnavailable,
)

OrderStatus = Literal["placed", "fulfilled", "cancelled"]
"""A reward order is placed (points spent, a unit set aside), then either fulfilled (the
member got the gift: final) or cancelled (points and the unit back: final)."""
ORDER_STATUSES: tuple[OrderStatus, ...] = get_args(OrderStatus)


StockKind = Literal["initial", "adjustment", "order", "cancellation"]
"""What moved an item's stock: its stock at creation, staff putting units in or taking
them out (a delivery, damaged goods), a reward order taking units, or a cancelled order
putting them back."""
STOCK_KINDS: tuple[StockKind, ...] = get_args(StockKind)
ORDER_REASON = "reward order"
"""The reason an order's stock movement records; a cancellation records the order's
cancel reason, or ``CANCEL_REASON``."""
CANCEL_REASON = "order cancelled"


def status_of(value: str) -> OrderStatus:
    """An order's status as stored (the column's CHECK admits only these)."""
    for status in ORDER_STATUSES:
        if value == status:
            return status
    raise ValueError(f"unknown reward order status {value!r}")


MAX_STOCK = 1_000_000_000
"""Most units an item holds in stock, and most one stock change moves."""
MAX_ORDER_QUANTITY = 100
"""Most units of one order: with a point price of at most 10^12 an order costs at most
10^14 points, within a ``bigint`` and exact in JSON."""
MAX_MEMBER_LIMIT = 1_000_000
"""Largest per-member limit (units of one item a member may hold in orders)."""
MAX_CODE = 32
MAX_NAME = 100
MAX_DESCRIPTION = 2000
MAX_REASON = 200


@dataclass(frozen=True)
class Window:
    """When an item can be ordered: from ``valid_from`` (inclusive) until ``valid_until``
    (exclusive); ``None`` leaves that side open."""

    valid_from: datetime | None = None
    valid_until: datetime | None = None

    def check(self) -> Window:
        """The window itself; raises :class:`InvalidRewardWindow` (422, ``valid_until``)
        if it ends before or when it starts."""
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise InvalidRewardWindow(
                f"valid_until ({self.valid_until.isoformat()}) must be later than valid_from "
                f"({self.valid_from.isoformat()})",
                field="valid_until",
            )
        return self

    def admits(self, at: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= at) and (
            self.valid_until is None or at < self.valid_until
        )


@dataclass(frozen=True)
class Offer:
    """A reward item as an order sees it."""

    code: str
    point_price: int
    stock: int
    per_member_limit: int | None
    window: Window
    active: bool

    def available_at(self, at: datetime) -> bool:
        """Whether it can be ordered at ``at`` (stock aside)."""
        return self.active and self.window.admits(at)


def order_points(offer: Offer, quantity: int, *, ordered: int, at: datetime) -> int:
    """The points an order of ``quantity`` units placed at ``at`` costs: ``point_price ×
    quantity`` (no rounding: both are integers).

    ``ordered`` is the units of the item the member holds in orders not cancelled. Raises,
    in this order: :class:`RewardUnavailable` (422) for an inactive item or one outside
    its window, :class:`RewardLimitReached` (409) past the per-member limit,
    :class:`RewardOutOfStock` (409) for more units than in stock.
    """
    if not offer.active:
        raise RewardUnavailable(f"reward {offer.code!r} is not offered (inactive)")
    if not offer.window.admits(at):
        window = offer.window
        when = (
            f"from {window.valid_from.isoformat()}"
            if window.valid_from and at < window.valid_from
            else f"until {window.valid_until.isoformat() if window.valid_until else '-'}"
        )
        raise RewardUnavailable(f"reward {offer.code!r} can be ordered only {when}")
    limit = offer.per_member_limit
    if limit is not None and ordered + quantity > limit:
        raise RewardLimitReached(
            f"reward {offer.code!r} is limited to {limit} per member; the member holds "
            f"{ordered} in orders, {quantity} more would make {ordered + quantity}",
            field="quantity",
            limit=limit,
            ordered=ordered,
        )
    if quantity > offer.stock:
        raise RewardOutOfStock(
            f"reward {offer.code!r} has {offer.stock} in stock, {quantity} requested",
            field="quantity",
            stock=offer.stock,
            requested=quantity,
        )
    return offer.point_price * quantity


def stock_after(stock: int, change: int) -> int:
    """Units in stock once a staff change of ``change`` (signed) moved them.

    Raises :class:`InvalidStockChange` (422, ``change``) for zero, for taking more units
    than are in stock and for going past ``MAX_STOCK``.
    """
    if change == 0:
        raise InvalidStockChange("a stock change of 0 changes nothing", field="change")
    after = stock + change
    if after < 0:
        raise InvalidStockChange(
            f"cannot take {-change} units out of stock: {stock} in stock", field="change"
        )
    if after > MAX_STOCK:
        raise InvalidStockChange(
            f"stock {stock} cannot take {change} more units: an item stocks at most {MAX_STOCK}",
            field="change",
        )
    return after


def moves_to(status: OrderStatus, wanted: OrderStatus) -> bool:
    """Whether an order in ``status`` changes on a request for ``wanted``: True from
    placed, False when it is ``wanted`` already (a repeated request changes nothing).

    Raises :class:`RewardOrderClosed` (409) for a fulfilled order to cancel or a cancelled
    one to fulfil.
    """
    if status == wanted:
        return False
    if status != "placed":
        raise RewardOrderClosed(
            f"the reward order is {status} already; it cannot be {wanted}",
            order_status=status,
        )
    return True


MEMBER_SUBJECT_PREFIX = "member-"
"""A member token's subject is ``member-<id>`` (``huiyuan token``, the tests)."""


def shown_subject(subject: str, *, to_staff: bool) -> str:
    """Who did something, as a caller may see it: staff see the token's subject; a member
    sees members' subjects but only ``"staff"`` for a staff login (personal data of the
    brand's staff)."""
    if to_staff or subject.startswith(MEMBER_SUBJECT_PREFIX):
        return subject
    return "staff"
