"""Pure rules of stored value (储值): how a lot splits into principal and bonus, the order
lots are spent in, and which deposit-bonus tier a deposit reaches. All amounts are fen.

**A lot** is one deposit: ``principal`` (the money paid in) and ``bonus`` (what the rule
gave on top), taken at one store. Only its ``remaining`` total is stored; the principal and
bonus still in it follow from what has been spent of it, so the two parts never drift:

    principal spent = floor(spent × principal / (principal + bonus)),
    bonus spent     = spent − principal spent.

Both grow with ``spent`` (the principal's share is at most 1), so every debit takes a
non-negative amount of each, and a lot spent in full has given exactly its principal and
its bonus. Example: 100 yuan paid in with 100 yuan bonus is a lot of 10,000 + 10,000 fen.
A first payment of 33.33 yuan (3,333 fen) takes floor(3,333 × ½) = 1,666 principal and
1,667 bonus; a second of 3,333 brings spent to 6,666, principal spent to 3,333, so it
takes 1,667 principal and 1,666 bonus. 13,334 fen remain: 6,667 principal, 6,667 bonus.

**Spending order**: the oldest lot first (deposit time, then lot id), each lot in the
proportion above, so a member's money and the brand's bonus leave together and the
liability of each store falls as its own deposits are used.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Split:
    """An amount of stored value in its two parts (fen)."""

    principal: int
    bonus: int

    @property
    def total(self) -> int:
        return self.principal + self.bonus


@dataclass(frozen=True)
class Lot:
    """A deposit as the kernel sees it: its parts at deposit and its total remaining (fen)."""

    lot_id: uuid.UUID
    store_id: uuid.UUID
    principal: int
    bonus: int
    remaining: int


@dataclass(frozen=True)
class Draw:
    """What one debit takes from one lot (fen, both ≥ 0)."""

    lot_id: uuid.UUID
    store_id: uuid.UUID
    taken: Split


def left_in(principal: int, bonus: int, remaining: int) -> Split:
    """The principal and bonus still in a lot of ``principal`` + ``bonus`` fen with
    ``remaining`` fen left (0 ≤ remaining ≤ principal + bonus)."""
    whole = principal + bonus
    spent = whole - remaining
    principal_spent = spent * principal // whole if whole else 0
    return Split(principal - principal_spent, remaining - (principal - principal_spent))


def draws(lots: Sequence[Lot], amount: int) -> list[Draw]:
    """The draws that take ``amount`` fen from ``lots``, given oldest first; the caller
    has checked that their remaining totals cover it."""
    taken: list[Draw] = []
    left = amount
    for lot in lots:
        if left == 0:
            break
        take = min(left, lot.remaining)
        if take == 0:
            continue
        before = left_in(lot.principal, lot.bonus, lot.remaining)
        after = left_in(lot.principal, lot.bonus, lot.remaining - take)
        taken.append(
            Draw(
                lot.lot_id,
                lot.store_id,
                Split(before.principal - after.principal, before.bonus - after.bonus),
            )
        )
        left -= take
    assert left == 0, "the lots do not cover the amount"
    return taken


@dataclass(frozen=True)
class TillPayment:
    """A reservation paying with stored value: whose wallet, for which member, at which
    store's till."""

    reservation_id: uuid.UUID
    account_id: uuid.UUID
    member_id: uuid.UUID
    store_id: uuid.UUID


@dataclass(frozen=True)
class BonusTier:
    """A deposit of at least ``min_deposit_fen`` gets ``bonus_fen`` on top."""

    min_deposit_fen: int
    bonus_fen: int


def bonus_for(tiers: Sequence[BonusTier], deposit_fen: int) -> int:
    """The bonus (fen) of the highest tier a deposit reaches; 0 below the lowest. Seed 001's
    "预存100得200, 500得700, 1000得1200" is the tiers (10,000 → 10,000), (50,000 → 20,000),
    (100,000 → 20,000): a 600-yuan deposit reaches the second and gets 200 yuan."""
    reached = [tier for tier in tiers if deposit_fen >= tier.min_deposit_fen]
    return max(reached, key=lambda tier: tier.min_deposit_fen).bonus_fen if reached else 0


@dataclass(frozen=True)
class Drawn:
    """A lot a payment drew on: ``drawn`` fen taken from it, ``restored`` given back since."""

    lot: Lot
    drawn: int
    restored: int


def restorations(drawn: Sequence[Drawn], amount: int) -> list[Draw]:
    """What giving ``amount`` fen of a payment back puts into each lot it drew on: the lot
    drawn last first (undoing the payment from its end, so the older lot stays spent), each
    up to what it gave and has not had back; the parts are what the lot's split gains (see
    :func:`left_in`). The caller has checked that the payment has ``amount`` left to give."""
    given: list[Draw] = []
    left = amount
    for item in reversed(drawn):
        back = min(left, item.drawn - item.restored)
        if back <= 0:
            continue
        lot = item.lot
        before = left_in(lot.principal, lot.bonus, lot.remaining)
        after = left_in(lot.principal, lot.bonus, lot.remaining + back)
        given.append(
            Draw(
                lot.lot_id,
                lot.store_id,
                Split(after.principal - before.principal, after.bonus - before.bonus),
            )
        )
        left -= back
    assert left == 0, "the payment has less to give back"
    return given
