"""Pure rules of the points kernel: which movements are allowed, and which lots a debit uses.

All arithmetic is on integers (points); nothing here does I/O. Times are aware UTC.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from services.loyalty.accounts.errors import BalanceLimitReached, InsufficientPoints
from shared.inputs import MAX_BALANCE

SourceType = Literal[
    "purchase",
    "return",
    "void",
    "redemption",
    "adjustment",
    "expiry",
    "recovery",
    "transfer_out",
    "transfer_in",
    "till_hold",
    "till_release",
    "till_refund",
    "till_retake",
    "reward_order",
    "reward_refund",
    "campaign_reward",
    "lottery_prize",
]
"""What moved points, the kind of a ledger entry: a purchase earns, a return reverses, a
void (its id is the voided purchase's) reverses all the purchase kept, a redemption
spends, staff adjust, an expiry (its id is the lot's) takes what a lot still held when it
expired, a recovery (its id is the purchase whose earn paid it) pays back reversal
shortfalls; a transfer between two accounts (a member's points pooled into a household's
account, or their share taken back when they leave) is two entries with the transfer's
id, ``transfer_out`` on the account giving and ``transfer_in`` on the one receiving. At
the till (积分抵现) a reservation holds points (``till_hold``, the reservation's id), gives
them back if the sale never uses them (``till_release``, the same id), and a return or
void of a sale paid with points credits its share (``till_refund``, the return's id or,
for a void, the purchase's); a sale whose event came after the sweep gave its points back
takes them again (``till_retake``, the reservation's id, what the balance no longer has
as shortfall). A reward order spends on the rewards catalog (``reward_order``) and its
refund (``reward_refund``; both the order's id) gives the points of a cancelled order
back. A campaign's close-out rewards its top spenders (``campaign_reward``, an id made
from the campaign's and the member's). A draw's points prize is credited with the
draw's id (``lottery_prize``). A new kind of movement (a coupon) is a new source
type, never a new column."""


@dataclass(frozen=True)
class PointsRange:
    """The points an entry of one source type may carry (``None``: unbounded that side)."""

    lowest: int | None
    highest: int | None

    def admits(self, points: int) -> bool:
        return (self.lowest is None or points >= self.lowest) and (
            self.highest is None or points <= self.highest
        )

    def sql(self) -> str:
        """The same rule as a condition on the ``points`` column."""
        bounds = [f"points >= {self.lowest}"] if self.lowest is not None else []
        bounds += [f"points <= {self.highest}"] if self.highest is not None else []
        return " AND ".join(bounds) or "true"


SOURCE_POINTS: Mapping[SourceType, PointsRange] = {
    "purchase": PointsRange(0, None),  # a purchase under a yuan earns 0
    "return": PointsRange(None, 0),  # 0 when the points were already spent (all shortfall)
    "void": PointsRange(None, 0),
    "redemption": PointsRange(None, -1),
    "adjustment": PointsRange(None, None),
    "expiry": PointsRange(None, -1),
    "recovery": PointsRange(None, -1),
    "transfer_out": PointsRange(None, -1),
    "transfer_in": PointsRange(1, None),
    "till_hold": PointsRange(None, -1),
    "till_release": PointsRange(1, None),
    "till_refund": PointsRange(1, None),
    "till_retake": PointsRange(None, 0),  # 0 when the points were spent meanwhile
    "reward_order": PointsRange(None, -1),
    "reward_refund": PointsRange(1, None),
    "campaign_reward": PointsRange(1, None),
    "lottery_prize": PointsRange(1, None),
}
"""Each source type with the sign of the points its entries carry; the ledger's CHECK
``ck_ledger_entries_source`` is built from it."""


@dataclass(frozen=True)
class Source:
    """What moved the points: one reference per entry, unique per source type."""

    type: SourceType
    id: uuid.UUID


def balance_after(balance: int, points: int) -> int:
    """The balance once ``points`` (signed) moved.

    Raises :class:`InsufficientPoints` below zero, :class:`BalanceLimitReached` above
    ``MAX_BALANCE``.
    """
    after = balance + points
    if after < 0:
        raise InsufficientPoints(
            f"insufficient points: balance {balance}, requested {-points}",
            balance=balance,
            requested=-points,
        )
    if after > MAX_BALANCE:
        raise BalanceLimitReached(
            f"the balance {balance} cannot take {points} more points: an account holds at "
            f"most {MAX_BALANCE}",
            balance=balance,
            maximum=MAX_BALANCE,
        )
    return after


@dataclass(frozen=True)
class OpenLot:
    """A lot with points left; pending until ``available_at``."""

    lot_id: uuid.UUID
    remaining: int
    earned_at: datetime
    expires_at: datetime | None
    available_at: datetime

    def available(self, now: datetime) -> bool:
        """A lot available when earned (no return window) is available whatever ``now``
        says: the application's clock may run a little behind the database's, which
        stamped the lot."""
        return self.available_at <= max(now, self.earned_at)


def available_points(lots: Sequence[OpenLot], now: datetime) -> int:
    """What the lots hold that may be spent at ``now`` (pending lots left out)."""
    return sum(lot.remaining for lot in lots if lot.available(now))


def check_spendable(lots: Sequence[OpenLot], points: int, now: datetime) -> None:
    """Raises :class:`InsufficientPoints` if the available lots hold less than ``points``.

    The problem's ``balance`` is the available balance; ``pending`` what is still pending.
    """
    available = available_points(lots, now)
    if points > available:
        pending = sum(lot.remaining for lot in lots) - available
        held = f"available {available}, pending {pending}" if pending else f"balance {available}"
        raise InsufficientPoints(
            f"insufficient points: {held}, requested {points}",
            balance=available,
            requested=points,
            pending=pending or None,  # left out of the problem when nothing is pending
        )


def consumption_order(lot: OpenLot) -> tuple[bool, datetime, datetime, uuid.UUID]:
    """Nearest expiry first, then lots that never expire; oldest first among equals."""
    never = lot.expires_at is None
    return (never, lot.expires_at or lot.earned_at, lot.earned_at, lot.lot_id)


def correction_order(
    lots: Sequence[OpenLot], now: datetime, first: uuid.UUID | None
) -> list[OpenLot]:
    """The order a correction (a reversal, an expiry, an adjustment, a recovery) takes lots
    in: the lot ``first`` names (a return's own purchase's, an expiring lot), then the
    pending lots (a return inside the window cancels pending points before any points the
    member could spend), latest available first, then the available ones in
    :func:`consumption_order`."""
    named = [lot for lot in lots if lot.lot_id == first]
    pending = sorted(
        (lot for lot in lots if lot.lot_id != first and not lot.available(now)),
        key=lambda lot: (lot.available_at, lot.lot_id),
        reverse=True,
    )
    spendable = sorted(
        (lot for lot in lots if lot.lot_id != first and lot.available(now)),
        key=consumption_order,
    )
    return named + pending + spendable


def consume(
    lots: Sequence[OpenLot],
    points: int,
    *,
    now: datetime,
    spend: bool = True,
    first: uuid.UUID | None = None,
) -> list[tuple[uuid.UUID, int]]:
    """The lots a debit of ``points`` (positive) takes from, each with what it keeps.

    A spend (``spend``) takes only lots available at ``now``, in :func:`consumption_order`
    (the caller checked :func:`check_spendable`); a correction takes any lot, in
    :func:`correction_order`. The lots hold the whole balance, so they always cover a debit
    the balance allows; if they do not, the ledger is corrupt and this raises
    ``ValueError`` rather than leave the lots out of step with the balance.
    """
    ordered = (
        sorted((lot for lot in lots if lot.available(now)), key=consumption_order)
        if spend
        else correction_order(lots, now, first)
    )
    used: list[tuple[uuid.UUID, int]] = []
    left = points
    for lot in ordered:
        if left == 0:
            break
        taken = min(lot.remaining, left)
        used.append((lot.lot_id, lot.remaining - taken))
        left -= taken
    if left:
        raise ValueError(f"the account's lots hold {points - left} points, {points} are due")
    return used


@dataclass(frozen=True)
class TransferTerms:
    """The dates of the one lot points moved to another account go into."""

    expires_at: datetime | None
    """When the first of the lots they came from expires (None if none of them does): the
    lot must not outlive any of the points in it."""
    pending: timedelta
    """How long it stays pending: until the last of the pending lots they came from becomes
    available (0 if none was pending), so a move never frees points a return may still
    cancel."""


def transfer_terms(
    lots: Sequence[OpenLot], used: Sequence[tuple[uuid.UUID, int]], now: datetime
) -> TransferTerms:
    """The terms of the lot the ``used`` lots (from :func:`consume`) move into at ``now``."""
    taken = [lot for lot in lots if lot.lot_id in {lot_id for lot_id, _ in used}]
    expiries = [lot.expires_at for lot in taken if lot.expires_at]
    pending = [lot.available_at - now for lot in taken if not lot.available(now)]
    return TransferTerms(min(expiries, default=None), max(pending, default=timedelta(0)))


def drawn(
    lots: Sequence[OpenLot], kept: Sequence[tuple[uuid.UUID, int]]
) -> list[tuple[uuid.UUID, int]]:
    """What a debit took from each lot, in the order it took them: ``kept`` is
    :func:`consume`'s answer over ``lots``."""
    remaining = {lot.lot_id: lot.remaining for lot in lots}
    return [(lot_id, remaining[lot_id] - keeps) for lot_id, keeps in kept]


@dataclass(frozen=True)
class Drawn:
    """Points a debit took from one lot and has not had back yet, with that lot's terms."""

    debit: int
    """Which of the debits a credit gives back (their order, the latest first)."""
    entry_id: uuid.UUID
    position: int
    """Where the lot was in the order the debit took its lots."""
    left: int
    """Points taken and not given back yet."""
    earned_at: datetime
    available_at: datetime
    expires_at: datetime | None


@dataclass(frozen=True)
class Restoration:
    """How a credit gives back points that debits took: a lot on the terms of each lot
    drawn on, and the points no draw covers (``rest``), which get the credit's own terms."""

    lots: tuple[tuple[Drawn, int], ...]
    rest: int


def restoration(draws: Sequence[Drawn], points: int) -> Restoration:
    """Gives ``points`` back from ``draws``: the latest debit's first, and within a debit
    the lot it took last first (a partial refund gives back the points taken last, those
    of the lots that expire latest), each draw at most what it has ``left``.

    Points beyond the draws (a debit made before draws were kept, a retake that found the
    points already spent) are the ``rest``.
    """
    given: list[tuple[Drawn, int]] = []
    left = points
    for draw in sorted(draws, key=lambda draw: (draw.debit, -draw.position)):
        if left == 0:
            break
        back = min(draw.left, left)
        if back:
            given.append((draw, back))
            left -= back
    return Restoration(tuple(given), left)
