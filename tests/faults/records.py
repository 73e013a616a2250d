"""What a fault run's load was told by the system (the checker's ground truth), and the
shape of the load."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Acknowledged:
    key: str
    body: dict[str, Any]
    started: float
    acked: float
    store: int = 0


@dataclass
class LoadLog:
    """What the system told the generator; the checker's ground truth."""

    stores: list[tuple[str, str]] = field(default_factory=list)  # (store id, api key)
    members: list[str] = field(default_factory=list)
    purchases: dict[str, Acknowledged] = field(default_factory=dict)
    returns: dict[str, Acknowledged] = field(default_factory=dict)
    redemptions: dict[str, Acknowledged] = field(default_factory=dict)
    households: dict[str, list[str]] = field(default_factory=dict)
    """Each household opened, with the members it was opened with (its head first)."""
    in_household: dict[str, str | None] = field(default_factory=dict)
    """Where each member of a household was last acknowledged to be (None: left it)."""
    holds: dict[str, Acknowledged] = field(default_factory=dict)
    """Points or stored value held at a till, by the hold's key."""
    deposits: dict[str, Acknowledged] = field(default_factory=dict)
    """Money paid into a member's wallet at a store's till (储值), by the deposit's key."""
    reward_item: dict[str, Any] = field(default_factory=dict)
    """The one reward item the load orders (as created)."""
    reward_orders: dict[str, Acknowledged] = field(default_factory=dict)
    reward_cancels: dict[str, Acknowledged] = field(default_factory=dict)
    coupon_definitions: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The coupon definitions the load grants (as created), by id."""
    coupons: dict[str, str] = field(default_factory=dict)
    """Each coupon granted, by id: its member."""
    coupon_holds: dict[str, Acknowledged] = field(default_factory=dict)
    """Each acknowledged coupon hold (one coupon, or several stacked), by its key."""
    coupon_sales: dict[str, str] = field(default_factory=dict)
    """Each acknowledged sale that used a held coupon, by its key: the hold's key."""
    lottery: dict[str, Any] = field(default_factory=dict)
    """The draw campaign the load opens (as created)."""
    draws: dict[str, Acknowledged] = field(default_factory=dict)
    referrals: dict[str, list[str]] = field(default_factory=dict)
    """Each referrer, with the friends registered with their code."""
    rejected: dict[str, tuple[str, int, str]] = field(default_factory=dict)
    unacknowledged: dict[str, str] = field(default_factory=dict)
    retries: int = 0


@dataclass(frozen=True)
class LoadShape:
    purchases: int
    rate: float  # operations per second, all kinds together
    members: int = 200
    stores: int = 4
    return_share: float = 0.1
    redemption_share: float = 0.1
    household_share: float = 0.05
    """Operations that take a household member out of their household, or back in."""
    households: int = 4
    """Households opened before the load, of three members each."""
    till_share: float = 0.05  # sales paid partly with points held first (积分抵现)
    reward_share: float = 0.06
    """Reward orders, and as many again cancellations of one of them."""
    reward_stock: int = 1_000_000
    coupon_share: float = 0.05  # sales that use a coupon held first (优惠券)
    coupon_members: int = 50
    """Members granted coupons before the load (none of a household: a coupon stays on
    the account it was granted to)."""
    coupons_each: int = 4
    stacked_share: float = 0.4
    """Of the coupon sales, those that try to hold two coupons (one of each kind) stacked."""
    coupon_returns: float = 0.3
    """Of the returns, those that give back one unit of a coupon sale (while one is left)."""
    draw_share: float = 0.05  # draws by members who bought (抽奖)
    wallet_share: float = 0.04  # sales paid partly from a wallet held first (储值)
    wallet_members: int = 20
    """Members (none of a household; the last ones, so a short run's few members have
    wallets too) who pay into their wallets before the load."""
    concurrency: int = 64
    give_up_after: float = 240.0
