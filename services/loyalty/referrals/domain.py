"""Pure rules of referrals: their states, the reward policy's bands, when a reward is due,
what it is, and how a friend is shown."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from services.loyalty.coupon_bands.domain import Band, band_of

ReferralState = Literal["pending", "qualified", "rewarded", "cancelled", "refused"]
"""``pending``: the friend registered with the referrer's code and has not paid yet;
``qualified``: the friend's first paid purchase is known, the reward is decided once its
return window ends; ``rewarded``: the referrer got the band's coupon; ``cancelled``: the
friend's net spend stayed under the lowest band; ``refused``: the rules refuse it."""

STATES: tuple[ReferralState, ...] = ("pending", "qualified", "rewarded", "cancelled", "refused")
PENDING: ReferralState = "pending"
QUALIFIED: ReferralState = "qualified"

Reason = Literal["returned", "below_lowest_band", "monthly_cap", "same_household"]
"""Why a referral was cancelled (``returned``: returns took the spend under the lowest
band; ``below_lowest_band``: the friend never spent that much) or refused
(``monthly_cap``, ``same_household``)."""

REASONS: tuple[Reason, ...] = ("returned", "below_lowest_band", "monthly_cap", "same_household")

RETRY = timedelta(hours=1)
"""How long a qualified referral whose grant was refused (stock, budget, the referrer's
limit) or that found no bands waits before the due work looks at it again."""


@dataclass(frozen=True)
class Policy:
    """The brand's referral reward policy: ``bands`` (net spend in fen → a coupon
    definition; the highest reached wins), ``monthly_cap`` (rewards per referrer per
    calendar month of the brand, None: no cap) and its ``version`` (0: never set)."""

    bands: tuple[Band, ...]
    monthly_cap: int | None
    version: int


NO_POLICY = Policy(bands=(), monthly_cap=None, version=0)


@dataclass(frozen=True)
class Reward:
    """Grant the band's coupon."""

    band: Band


@dataclass(frozen=True)
class Settled:
    """The referral ends without a coupon: ``state`` cancelled or refused, for ``reason``."""

    state: Literal["cancelled", "refused"]
    reason: Reason


def due_at(purchased_at: datetime, return_window_days: int) -> datetime:
    """When the reward is decided: once the purchase's return window (the points policy's,
    the same after which its points become available) has passed."""
    return purchased_at + timedelta(days=return_window_days)


def decide(
    policy: Policy, spend_fen: int, returned_fen: int, *, same_account: bool
) -> Reward | Settled | None:
    """The reward for a friend's first purchase of ``spend_fen`` of which ``returned_fen``
    came back inside the window (fen), before the monthly cap is counted. None while the
    brand has set no bands: the referral waits for them rather than being lost.

    E.g. bands ≥ 10,000 → A, ≥ 30,000 → B: spend 35,000 less 6,000 returned is 29,000
    net → A; less 26,000 → 9,000 net → cancelled, ``returned``."""
    if same_account:
        return Settled("refused", "same_household")
    if not policy.bands:
        return None
    band = band_of(policy.bands, spend_fen - returned_fen)
    if band is not None:
        return Reward(band)
    return Settled("cancelled", "returned" if returned_fen > 0 else "below_lowest_band")


def month_of(at: datetime, zone: ZoneInfo) -> date:
    """The first day of the brand's calendar month ``at`` falls in: the monthly cap's
    counter."""
    return at.astimezone(zone).date().replace(day=1)


def lowest_first(bands: Sequence[Band]) -> tuple[Band, ...]:
    return tuple(sorted(bands, key=lambda band: band.min_spend_fen))


def masked_friend(friend_member_id: uuid.UUID) -> str:
    """The friend as a referrer's list shows them: the last four hex digits of their member
    id, ``"****9e2b"``. Loyalty keeps no contact data, and the list must not hand a referrer
    the id that names the friend everywhere else."""
    return "****" + friend_member_id.hex[-4:]
