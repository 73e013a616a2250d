"""Pure rules of a sale's tenders: how a sale is paid, its change, and how a return or a
void refunds what each tender paid. All amounts are integer fen; nothing here does I/O.

Kinds: ``cash``, ``card``, ``stored_value``, ``points``, ``voucher`` (代金券) as a till
sends them, and ``unspecified``, which only orders writes: the whole total of a sale posted
without tenders (a till from before tenders existed, or one that does not say). Orders
takes cash and card, and points (积分抵现) and stored value (储值) in a sale posted on its
own: at most one tender of each, naming the reservation loyalty holds for it, which
orders commits at loyalty before it records the sale
(:mod:`services.orders.tenders.service`). A batch of day-end sales takes neither: a
reservation lives minutes, not days. Vouchers are loyalty's later work, so they are
refused (:class:`TenderNotAccepted`).

Paying (:func:`settle`): every tender but cash pays exactly its amount and must fit what
the tenders before it left to pay (a voucher never gives change, a card charges no more
than is due); the one cash tender pays what is left and may exceed it, the difference
being the change. The tenders must pay the whole total.

Refunding (:func:`allocate_refund`): vouchers and points first, each in proportion to the
share of the sale returned so far (rounded down, the last return takes what remains), then
stored value, card, cash and unspecified, each up to what it paid and was not refunded yet.
A voucher's part is not paid out: the till hands back nothing for it (``paid_out`` false);
whether a voucher is reinstated is loyalty's, with vouchers themselves (issue 14).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, cast, get_args

from services.orders.tenders.errors import TenderNotAccepted, TendersDoNotAddUp

GivenKind = Literal["cash", "card", "stored_value", "points", "voucher"]
"""The tenders a till may name."""
TenderKind = GivenKind | Literal["unspecified"]
"""Every kind a recorded sale's tender may have."""

GIVEN_KINDS: tuple[GivenKind, ...] = get_args(GivenKind)
ACCEPTED: frozenset[str] = frozenset({"cash", "card"})
"""The kinds orders takes in any sale; vouchers are loyalty's later work."""
HELD: tuple[GivenKind, ...] = ("points", "stored_value")
"""The kinds loyalty holds for a sale: each names its reservation, once per sale."""
AT_THE_TILL: frozenset[str] = ACCEPTED | set(HELD)
"""The kinds a sale posted on its own may have: held kinds need a reservation held now."""
PROPORTIONAL: tuple[TenderKind, ...] = ("voucher", "points")
"""Refunded first, in proportion to the share of the sale returned."""
THEN: tuple[TenderKind, ...] = ("stored_value", "card", "cash", "unspecified")
"""Refunded after the proportional kinds, in this order, each up to what it paid."""
NOT_PAID_OUT: frozenset[str] = frozenset({"voucher"})
"""Kinds whose refund the till does not hand back (a voucher is not money)."""
MAX_TENDERS = 20
"""Tenders of one sale."""


@dataclass(frozen=True)
class Tendered:
    """A tender as the till sends it: its kind and what it hands over, in fen; a points or
    stored-value tender names the loyalty reservation that holds it."""

    kind: GivenKind
    tendered_fen: int
    reservation_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Paid:
    """A tender of a recorded sale.

    ``amount_fen`` is what it paid towards the total, ``tendered_fen`` what was handed
    over (more than the amount only for cash, the difference being change), and
    ``refunded_fen`` what returns have refunded of it so far.
    """

    kind: TenderKind
    amount_fen: int
    tendered_fen: int
    refunded_fen: int = 0
    reservation_id: uuid.UUID | None = None
    """The loyalty reservation a points or stored-value tender paid with."""

    @property
    def change_fen(self) -> int:
        return self.tendered_fen - self.amount_fen

    @property
    def refundable_fen(self) -> int:
        return self.amount_fen - self.refunded_fen

    @property
    def paid_out(self) -> bool:
        """Whether the till hands a refund of this tender back (not for a voucher)."""
        return self.kind not in NOT_PAID_OUT


def settle(
    total_fen: int, given: Sequence[Tendered] | None, accepted: frozenset[str] = ACCEPTED
) -> tuple[Paid, ...]:
    """The tenders of a sale of ``total_fen``, in the order given.

    ``None`` (no tenders sent) is one ``unspecified`` tender of the whole total (none for a
    sale of 0 fen). Raises :class:`TenderNotAccepted` (``tenders.<i>.kind``) for a kind
    not in ``accepted`` (stored value and vouchers; points in a batch), and
    :class:`TendersDoNotAddUp` for a non-cash tender larger than what is left to pay
    (``tenders.<i>.amount_fen``), a second cash tender (``tenders.<i>.kind``), cash when
    the other tenders pay everything (``tenders.<i>.amount_fen``), a second points or
    stored-value tender (``tenders.<i>.kind``), or tenders paying less than the total
    (``tenders``).
    """
    if given is None:
        return (Paid("unspecified", total_fen, total_fen),) if total_fen > 0 else ()
    for index, tender in enumerate(given):
        if tender.kind not in accepted:
            raise TenderNotAccepted(_refusal(tender.kind), field=f"tenders.{index}.kind")
    left = total_fen
    cash: int | None = None
    held: dict[str, int] = {}
    for index, tender in enumerate(given):
        if tender.kind in HELD:
            if tender.kind in held:
                raise TendersDoNotAddUp(
                    f"{tender.kind} appears twice (tenders {held[tender.kind]} and {index}): a "
                    f"sale pays with one reservation's {tender.kind}",
                    field=f"tenders.{index}.kind",
                )
            held[tender.kind] = index
        if tender.kind == "cash":
            if cash is not None:
                raise TendersDoNotAddUp(
                    f"cash appears twice (tenders {cash} and {index}): send the cash handed "
                    "over as one tender",
                    field=f"tenders.{index}.kind",
                )
            cash = index
        elif tender.tendered_fen > left:
            raise TendersDoNotAddUp(
                f"{tender.kind} of {tender.tendered_fen} fen is more than the {left} fen left "
                f"to pay of the {total_fen} fen total; only cash gives change",
                field=f"tenders.{index}.amount_fen",
            )
        else:
            left -= tender.tendered_fen
    if cash is not None:
        handed = given[cash].tendered_fen
        if left == 0:
            raise TendersDoNotAddUp(
                f"nothing is left to pay in cash: the other tenders pay the whole {total_fen} fen",
                field=f"tenders.{cash}.amount_fen",
            )
        if handed < left:
            raise TendersDoNotAddUp(
                f"the tenders pay {total_fen - left + handed} fen of the {total_fen} fen "
                f"total: {left - handed} fen short",
                field="tenders",
            )
    elif left > 0:
        raise TendersDoNotAddUp(
            f"the tenders pay {total_fen - left} fen of the {total_fen} fen total: {left} fen "
            "short",
            field="tenders",
        )
    return tuple(
        Paid(
            t.kind,
            left if t.kind == "cash" else t.tendered_fen,
            t.tendered_fen,
            reservation_id=t.reservation_id,
        )
        for t in given
    )


def _refusal(kind: str) -> str:
    if kind in HELD:
        return (
            f"tender {kind!r} is not accepted in a batch: it needs a reservation held at "
            "the till now; post the sale on its own (POST /purchases)"
        )
    return (
        f"tender {kind!r} is not accepted yet: vouchers are owned by loyalty, which will "
        "reserve and commit them; pay with cash, card, points or stored value"
    )


def unrecorded(total_fen: int, returned_fen: int) -> tuple[Paid, ...]:
    """The tenders of a sale recorded before tenders were kept: one ``unspecified`` tender
    of its total, of which ``returned_fen`` (what its returns refunded) is refunded."""
    return (Paid("unspecified", total_fen, total_fen, returned_fen),) if total_fen > 0 else ()


def allocate_refund(paid: Sequence[Paid], amount_fen: int) -> tuple[int, ...]:
    """What a return of ``amount_fen`` refunds of each tender, aligned with ``paid``.

    The sale's total is what its tenders paid, and what was returned before is what they
    refunded (each return refunds exactly its amount). Proportional kinds (vouchers, points)
    get their share of the sale returned after this return, rounded down and the whole of
    it once everything is back; then stored value, card, cash and unspecified, in that
    order, each up to what it has left; a fen still left by rounding goes back to the
    proportional kinds. The refunds add up to ``amount_fen`` and never exceed what a tender
    has left to refund. Raises ``ValueError`` if ``amount_fen`` is more than all of it.
    """
    total = sum(tender.amount_fen for tender in paid)
    after = sum(tender.refunded_fen for tender in paid) + amount_fen
    if after > total or amount_fen < 0:
        raise ValueError(f"a refund of {amount_fen} fen exceeds what the tenders have left")
    refunds = [0] * len(paid)
    left = amount_fen
    for index, tender in enumerate(paid):
        if tender.kind in PROPORTIONAL:
            due = tender.amount_fen if after == total else tender.amount_fen * after // total
            share = min(max(due - tender.refunded_fen, 0), left)
            refunds[index] = share
            left -= share
    for kind in (*THEN, *PROPORTIONAL):
        for index, tender in enumerate(paid):
            if left and tender.kind == kind:
                share = min(tender.refundable_fen - refunds[index], left)
                refunds[index] += share
                left -= share
    return tuple(refunds)


@dataclass(frozen=True)
class Refund:
    """What a return or a void refunds of one tender; ``paid_out`` is false for a voucher,
    which the till never refunds as money."""

    kind: TenderKind
    amount_fen: int
    paid_out: bool


def refunds_of(paid: Sequence[Paid], amounts: Sequence[int]) -> tuple[Refund, ...]:
    """The refunds of the tenders that get something back, in the tenders' order."""
    return tuple(
        Refund(tender.kind, amount, tender.paid_out)
        for tender, amount in zip(paid, amounts, strict=True)
        if amount > 0
    )


def paid_out_fen(refunds: Sequence[Refund]) -> int:
    """What the till hands back: every refund but a voucher's."""
    return sum(refund.amount_fen for refund in refunds if refund.paid_out)


def after_refund(paid: Sequence[Paid], refunds: Sequence[int]) -> tuple[Paid, ...]:
    """The tenders with ``refunds`` (from :func:`allocate_refund`) counted as refunded."""
    return tuple(
        replace(tender, refunded_fen=tender.refunded_fen + refund)
        for tender, refund in zip(paid, refunds, strict=True)
    )


def to_json(paid: Sequence[Paid]) -> list[dict[str, int | str]]:
    """The tenders as the sale's ``tenders`` column holds them (JSONB); a points tender
    keeps its reservation."""
    return [
        {
            "kind": tender.kind,
            "amount_fen": tender.amount_fen,
            "tendered_fen": tender.tendered_fen,
            "refunded_fen": tender.refunded_fen,
        }
        | ({} if tender.reservation_id is None else {"reservation_id": str(tender.reservation_id)})
        for tender in paid
    ]


def from_json(rows: Sequence[Mapping[str, Any]]) -> tuple[Paid, ...]:
    """The tenders :func:`to_json` wrote."""
    return tuple(
        Paid(
            kind=cast(TenderKind, row["kind"]),
            amount_fen=int(row["amount_fen"]),
            tendered_fen=int(row["tendered_fen"]),
            refunded_fen=int(row["refunded_fen"]),
            reservation_id=uuid.UUID(row["reservation_id"]) if "reservation_id" in row else None,
        )
        for row in rows
    )
