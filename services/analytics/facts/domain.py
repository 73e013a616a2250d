"""Pure rules of folding events into the facts: bounds, returns, loyalty tiers and business
days. No I/O.

A purchase counts as a purchase (for purchase counts, purchasing members, the repeat
rate, active members and the average order value) unless it was fully returned or
voided; its net amount (total minus refunds) counts in revenue unless it was voided (a
voided sale counts as none, nor do its returns).

Bounds (money in fen). A purchase or return is at most ``MAX_SALE_TOTAL_FEN`` = 10^10, the
largest sale orders accepts. A member's gross spend (``members.spend_fen``, bigint) is capped
at ``MAX_RUNNING_FEN`` = 2^53 - 1, exact in JSON: 900,719 sales of the largest size, or
90 trillion yuan; their refunds never exceed it (a return refunds at most its purchase).
Their purchase count (``members.purchase_count``, integer) is capped one below int32's
maximum. A purchase that would pass a cap is refused (:class:`RunningTotalFull`): its
transaction rolls back and the consumer parks it. Sums over all members are computed on
read (see :mod:`services.analytics.kpis.domain`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.analytics.facts.errors import AmountOutOfRange, RunningTotalFull
from shared.inputs import INT32_MAX, MAX_RUNNING_FEN, MAX_SALE_TOTAL_FEN

MAX_PURCHASE_COUNT = INT32_MAX - 1
"""One below int32's maximum, so the increment that passes it is computed without overflow
and then refused."""


def check_amount(amount_fen: int, what: str) -> None:
    """Raises :class:`AmountOutOfRange` unless ``0 <= amount_fen <= MAX_SALE_TOTAL_FEN``."""
    if not 0 <= amount_fen <= MAX_SALE_TOTAL_FEN:
        raise AmountOutOfRange(
            f"{what} is {amount_fen} fen, outside the 0 to {MAX_SALE_TOTAL_FEN} fen of a sale"
        )


def check_member_totals(member_id: uuid.UUID, spend_fen: int, purchase_count: int) -> None:
    """Raises :class:`RunningTotalFull` if a member's totals after a purchase passed a cap."""
    if spend_fen > MAX_RUNNING_FEN:
        raise RunningTotalFull(
            f"member {member_id}'s spend would reach {spend_fen} fen, past the "
            f"{MAX_RUNNING_FEN} fen analytics keeps exactly"
        )
    if purchase_count > MAX_PURCHASE_COUNT:
        raise RunningTotalFull(
            f"member {member_id}'s purchase count would reach {purchase_count}, past "
            f"{MAX_PURCHASE_COUNT}"
        )


@dataclass(frozen=True)
class ReturnEffect:
    """What one return changes on its purchase and on the member."""

    returned_fen: int  # the purchase's refunded total after this return
    refunded_fen: int  # what this return adds to the member's refunds
    fully_returned: bool
    purchase_count_delta: int  # -1 when this return makes the purchase fully returned


def is_fully_returned(total_fen: int, returned_fen: int) -> bool:
    return returned_fen > 0 and returned_fen >= total_fen


def apply_return(total_fen: int, returned_fen: int, amount_fen: int) -> ReturnEffect:
    """Refunds never exceed the purchase total; crossing it removes the purchase once."""
    after = min(total_fen, returned_fen + max(amount_fen, 0))
    was_full = is_fully_returned(total_fen, returned_fen)
    now_full = is_fully_returned(total_fen, after)
    return ReturnEffect(
        returned_fen=after,
        refunded_fen=after - returned_fen,
        fully_returned=now_full,
        purchase_count_delta=-1 if now_full and not was_full else 0,
    )


@dataclass(frozen=True)
class VoidEffect:
    """What a void takes off the member: the sale and whatever of it was returned."""

    spend_fen: int
    returned_fen: int
    purchase_count_delta: int  # -1 unless a full return already uncounted the purchase


def void_effect(total_fen: int, returned_fen: int, fully_returned: bool) -> VoidEffect:
    """A voided purchase counts as no sale: neither its total nor its returns stay."""
    return VoidEffect(
        spend_fen=total_fen,
        returned_fen=returned_fen,
        purchase_count_delta=0 if fully_returned else -1,
    )


def business_day(moment: datetime, timezone: str) -> date:
    """The calendar date of ``moment`` in the brand's business timezone."""
    return moment.astimezone(ZoneInfo(timezone)).date()


@dataclass(frozen=True)
class Tier:
    """A member's tier as analytics holds it.

    ``changed_at`` is the time of the ``loyalty.tier.changed`` event that set ``code``;
    ``None`` when the tier came from ``loyalty.account.opened`` (or before analytics kept
    the time).
    """

    code: str | None
    changed_at: datetime | None = None


def tier_after_change(held: Tier, to_tier: str, at: datetime) -> Tier | None:
    """The tier after a ``loyalty.tier.changed`` made at ``at`` (aware), or ``None`` to keep.

    A change beats any tier an account was opened on, whatever the arrival order, and the
    latest change wins: a change older than the one held (a replay that overtook a newer
    one) is ignored. Two changes at the same moment apply in arrival order, which on
    loyalty's per-member partition is the order they were made in.
    """
    if held.changed_at is not None and at < held.changed_at:
        return None
    return Tier(to_tier, at)


def tier_after_opening(held: Tier, tier_code: str) -> Tier | None:
    """The tier after a ``loyalty.account.opened``, or ``None`` to keep what is held.

    The opening tier only fills a gap. It is the account's base tier when the account is
    new, and its current tier when loyalty's upgrade announces every existing account;
    either way a tier change analytics already holds is at least as recent, because
    loyalty publishes both on the member's partition and the upgrade's announcements come
    after the changes they summarise.
    """
    if held.code is not None:
        return None
    return Tier(tier_code)
