"""Events published by the loyalty service on ``loyalty.events``."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from shared.events.envelope import EventPayload


class PointsMoved(EventPayload):
    """Base of the events about points that moved on a loyalty account.

    Their subject is the account (``account_id``); their Kafka key stays the member who
    caused the movement. ``account_id`` is optional only for compatibility with events
    published before accounts had ids of their own: loyalty always sets it, and an event
    without one has the member as subject.
    """

    subject_field: ClassVar[str] = "account_id"

    member_id: uuid.UUID
    """The member whose purchase, return or redemption moved the points."""
    account_id: uuid.UUID | None = None
    """The account the points moved on."""

    @property
    def subject(self) -> str:
        return str(self.account_id or self.member_id)


class PointsEarned(PointsMoved):
    event_type: ClassVar[str] = "loyalty.points.earned"

    purchase_id: uuid.UUID
    entry_id: uuid.UUID
    points: int
    balance: int
    campaign_ids: tuple[uuid.UUID, ...] = ()
    """The campaigns running at the sale that it reached (met their terms), whether or not
    their budget still gave points: the sale's member takes part in each."""


class PointsReversed(PointsMoved):
    """Points taken back for a return of a purchase, or for its void (``return_id`` None)."""

    event_type: ClassVar[str] = "loyalty.points.reversed"

    purchase_id: uuid.UUID
    return_id: uuid.UUID | None
    entry_id: uuid.UUID
    points: int
    balance: int


class PointsRedeemed(PointsMoved):
    event_type: ClassVar[str] = "loyalty.points.redeemed"

    redemption_id: uuid.UUID
    entry_id: uuid.UUID
    points: int
    balance: int
    reason: str


class PointsTransferred(PointsMoved):
    """Points moved between a member's own account and their household's: all of them when
    the member joined (``joined``), their share when they left (``left``).

    ``account_id`` is the household's account and ``balance`` its balance after;
    ``member_balance`` is the member's own account's after.
    """

    event_type: ClassVar[str] = "loyalty.points.transferred"

    household_id: uuid.UUID
    transfer_id: uuid.UUID
    direction: Literal["joined", "left"]
    points: int
    balance: int
    member_balance: int


class TillPointsMoved(PointsMoved):
    """Base of the events about points held at a till for a sale (积分抵现): its reservation,
    the store, the ledger entry and the account's balance after it. ``member_id`` is the
    member whose points the till held; ``account_id`` the account the entry is on (a
    release or refund lands where the member's points are now: their household's if they
    joined one since the hold)."""

    reservation_id: uuid.UUID
    store_id: uuid.UUID
    entry_id: uuid.UUID
    points: int
    """Points the entry moved, as a positive number (the event type says which way)."""
    balance: int


class PointsHeld(TillPointsMoved):
    """A till held points for a sale in progress (ledger source ``till_hold``): they left
    the balance until the sale commits them or they are released."""

    event_type: ClassVar[str] = "loyalty.points.held"

    amount_fen: int
    """What the points pay of the sale, in fen."""
    expires_at: datetime
    """When the sweep releases them if no sale commits them."""


TillRelease = Literal["void", "sale_failed", "timeout"]
"""Why held points came back: the till voided the hold, the sale that committed them
failed, or the hold (or the grace for the sale's event) ran out."""


class PointsReleased(TillPointsMoved):
    """Held points came back to the balance (ledger source ``till_release``)."""

    event_type: ClassVar[str] = "loyalty.points.released"

    reason: TillRelease
    purchase_id: uuid.UUID | None
    """The sale that had committed them, if one had."""


class PointsRefunded(TillPointsMoved):
    """A return (``return_id``) or void (``return_id`` None) of a sale paid with points gave
    back the points tender's share (ledger source ``till_refund``)."""

    event_type: ClassVar[str] = "loyalty.points.refunded"

    purchase_id: uuid.UUID
    return_id: uuid.UUID | None
    amount_fen: int
    """What the return or void refunded of the points tender, in fen."""


class PointsRetaken(TillPointsMoved):
    """A sale's event arrived after the sweep had released the points it paid with: they
    were taken again (ledger source ``till_retake``), ``points`` as far as the balance had
    them, ``shortfall`` the rest (listed by ``GET /shortfalls``)."""

    event_type: ClassVar[str] = "loyalty.points.retaken"

    purchase_id: uuid.UUID
    shortfall: int


class ExpiredLot(EventPayload):
    lot_id: uuid.UUID
    entry_id: uuid.UUID
    """The ``expiry`` ledger entry that took what the lot still held."""
    points: int
    expired_at: datetime
    """When the lot expired (the brand's midnight ending its last valid day)."""


class PointsExpired(PointsMoved):
    """Points of lots past their expiry, taken off the account by the daily job (one
    ``expiry`` ledger entry per lot). ``member_id`` is the account's owner; a household's
    account gives one event per holder (the same lots in each)."""

    event_type: ClassVar[str] = "loyalty.points.expired"

    lots: tuple[ExpiredLot, ...]
    points: int
    """All the lots' points together."""
    balance: int


class ExpiringLotNotice(EventPayload):
    lot_id: uuid.UUID
    points: int
    expires_at: datetime
    valid_through: date
    """The brand's last day the points can be spent."""


class PointsExpiring(PointsMoved):
    """Points that will expire within the policy's notice days, announced once per lot so
    that messaging can tell the member. ``member_id`` is the account's owner; a household's
    account gives one event per holder (the same lots in each)."""

    event_type: ClassVar[str] = "loyalty.points.expiring"

    lots: tuple[ExpiringLotNotice, ...]
    points: int
    """All the lots' points together."""
    first_valid_through: date
    """The earliest last valid day among the lots."""


class PointsAdjusted(PointsMoved):
    """Staff added (positive) or took off (negative) points, with a reason."""

    event_type: ClassVar[str] = "loyalty.points.adjusted"

    adjustment_id: uuid.UUID
    entry_id: uuid.UUID
    points: int
    balance: int
    reason: str


class RecoveredShortfall(EventPayload):
    entry_id: uuid.UUID
    """The reversal entry (a return's or a void's) whose shortfall this pays back."""
    points: int


class ShortfallRecovered(PointsMoved):
    """A purchase's earnings paid back earlier reversal shortfalls (the brand's policy
    ``shortfall_payback``), with one ``recovery`` ledger entry after the earn."""

    event_type: ClassVar[str] = "loyalty.shortfall.recovered"

    purchase_id: uuid.UUID
    entry_id: uuid.UUID
    points: int
    balance: int
    shortfalls: tuple[RecoveredShortfall, ...]


TierChange = Literal["upgrade", "downgrade", "manual"]
"""Why a tier changed: reached by qualifying (upgrade), lost at a period end, by a return
under a lifetime policy or with its ladder rung (downgrade), or set by staff (manual)."""


class TierChanged(EventPayload):
    """A member's tier changed. ``direction`` compares the tiers' thresholds (up or down);
    ``change`` says why, so a member is told the right thing (a manual assignment may be
    either direction). ``change`` is None only on events published before it existed."""

    event_type: ClassVar[str] = "loyalty.tier.changed"
    subject_field: ClassVar[str] = "member_id"

    member_id: uuid.UUID
    from_tier: str | None
    to_tier: str
    to_tier_name: str
    direction: Literal["up", "down"]
    qualifying_spend_fen: int
    change: TierChange | None = None
    until: datetime | None = None
    """The end of a manual assignment (``change`` manual), else None."""
    review_at: datetime | None = None
    """When the new tier is next reviewed under a windowed policy: the end of the period
    the member keeps it for at least (the brand's midnight). None when it is not reviewed
    (the base tier, the lifetime policy, a manual assignment) and on events published
    before it was carried."""
    campaign_id: uuid.UUID | None = None
    """The campaign whose close-out awarded the tier for a period (``change`` manual);
    None otherwise."""


class AccountOpened(EventPayload):
    """A member's loyalty account was opened, on the ladder's base tier.

    Accounts opened before this event type existed each got one when loyalty was upgraded,
    with the member's tier at that moment (``tier_code``, ``tier_name``).
    """

    event_type: ClassVar[str] = "loyalty.account.opened"
    subject_field: ClassVar[str] = "account_id"

    account_id: uuid.UUID
    member_id: uuid.UUID
    tier_code: str
    tier_name: str
    opened_at: datetime


class RewardOrderEvent(EventPayload):
    """Base of the events about a reward order (积分兑换): its subject is the order."""

    subject_field: ClassVar[str] = "order_id"

    order_id: uuid.UUID
    member_id: uuid.UUID
    """The member who holds the order (the event's key)."""
    account_id: uuid.UUID
    """The account the points moved on."""
    item_id: uuid.UUID
    item_code: str
    item_name: str | None = None
    """The item's name when the event was published, as members see it (None only on
    events published before it was carried)."""
    quantity: int
    points: int
    """The order's price in points: the item's point price when ordered × quantity."""


class RewardOrdered(RewardOrderEvent):
    """A member ordered a reward: ``points`` left the account (ledger entry ``entry_id``,
    source ``reward_order``) and ``quantity`` units left the item's stock."""

    event_type: ClassVar[str] = "loyalty.reward.ordered"

    entry_id: uuid.UUID
    balance: int
    """The account's balance after the order."""
    placed_at: datetime


class RewardFulfilled(RewardOrderEvent):
    """The member received the reward; the order is final."""

    event_type: ClassVar[str] = "loyalty.reward.fulfilled"

    fulfilled_at: datetime


class RewardCancelled(RewardOrderEvent):
    """A placed order was cancelled: ``points`` came back to the account (ledger entry
    ``entry_id``, source ``reward_refund``) and ``quantity`` units back into stock."""

    event_type: ClassVar[str] = "loyalty.reward.cancelled"

    entry_id: uuid.UUID
    balance: int
    """The account's balance after the refund."""
    reason: str | None
    cancelled_at: datetime


class CampaignRewarded(PointsMoved):
    """A campaign's close-out rewarded one of its top spenders with points (a
    ``campaign_reward`` ledger entry)."""

    event_type: ClassVar[str] = "loyalty.campaign.rewarded"

    campaign_id: uuid.UUID
    rank: int
    """1 for the highest qualifying spend."""
    qualifying_spend_fen: int
    entry_id: uuid.UUID
    points: int
    balance: int


class CampaignChanged(EventPayload):
    """Marketing changed a campaign or ended it early: what stands now. Before its start
    any of its terms may have changed (``changed`` names them; read the campaign for the
    rest), after it only its name, end and budgets."""

    event_type: ClassVar[str] = "loyalty.campaign.changed"
    subject_field: ClassVar[str] = "campaign_id"

    campaign_id: uuid.UUID
    changed: tuple[str, ...]
    """The fields changed, as the campaigns API names them."""
    name: str
    starts_at: datetime
    ends_at: datetime
    """Exclusive; equal to ``starts_at`` when it was ended before it started."""
    budget_points: int | None
    giveaway_quantity: int | None
    ended_early: bool
    """Ended now by ``POST /campaigns/{id}/end``; its close-out follows."""
    changed_at: datetime


class CampaignClosed(EventPayload):
    """A campaign ended and was closed out, once: its budget used and the top spenders it
    rewarded (each also has its ``loyalty.campaign.rewarded``)."""

    event_type: ClassVar[str] = "loyalty.campaign.closed"
    subject_field: ClassVar[str] = "campaign_id"

    campaign_id: uuid.UUID
    ends_at: datetime
    spent_points: int
    """Points its multipliers and bonuses gave during the window."""
    rewarded_members: tuple[uuid.UUID, ...]
    """The top spenders rewarded, highest spend first (none without a reward)."""
    reward_points: int
    """Points each of them got (0 without a reward)."""
    reward_tier_code: str | None = None
    """The tier the close-out awards for a period (None: no tier reward)."""
    reward_tier_until: datetime | None = None
    """When the awarded tier ends: the brand's midnight after its last day."""
    tier_awarded_members: tuple[uuid.UUID, ...] = ()
    """The top spenders placed on (or held longer on) the tier, highest spend first; a
    member already above it is not among them."""
