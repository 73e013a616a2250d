"""Pure rules of coupons: scope, validity and stacking, and a basket priced by a member's
coupons. No I/O; amounts are integer fen.

How a coupon prices a basket (:func:`evaluate`):

1. **Validity**: a coupon is usable from ``valid_from`` (inclusive) to ``valid_until``
   (exclusive), both instants; see :func:`validity` for how a definition's window is turned
   into them in the brand's timezone. Outside it: ``not_yet_valid`` or ``expired``.
2. **Scope**: a definition may name stores, categories and SKUs. Named stores: the sale's
   store must be one (``out_of_store_scope``). Named categories or SKUs: a line is in scope
   when its SKU is named or its category **or any ancestor of it** is; none named: every
   line is. No line in scope with an amount left: ``no_eligible_line``.
3. **Kind**: the coupon's kind (:data:`~services.loyalty.coupons.kinds.KINDS`) prices the
   lines in scope, or says why not (``below_threshold``, ``no_discount``,
   ``gift_not_in_basket``).

Stacking (:func:`apply_together`): a sale takes **one coupon**, unless every coupon on it is
stackable, and then **at most one of each kind**; otherwise ``not_stackable`` or
``same_kind``. Stacked coupons apply in the registry's kind order (threshold-off,
percent-off, free gift, cash voucher), each on what the ones before left of each line, so
a threshold is met by spend still to be paid, a line's discounts never exceed its amount,
and a voucher never pays for what was already taken off.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from itertools import product
from typing import Any
from zoneinfo import ZoneInfo

from services.loyalty.coupons.kinds import KINDS, Discount, KindName, Refusal
from services.loyalty.rules.domain import Line


@dataclass(frozen=True)
class Scope:
    """Where a coupon applies; an empty set does not restrict."""

    stores: frozenset[uuid.UUID] = frozenset()
    categories: frozenset[str] = frozenset()
    skus: frozenset[str] = frozenset()

    def admits(self, line: Line) -> bool:
        if not (self.categories or self.skus):
            return True
        return line.sku in self.skus or any(code in self.categories for code in line.categories)


@dataclass(frozen=True)
class Coupon:
    """A granted coupon as pricing sees it: its code, kind, terms, scope, window and whether
    its definition allows stacking."""

    code: str
    kind: KindName
    terms: Mapping[str, Any]
    valid_from: datetime
    valid_until: datetime
    scope: Scope = field(default_factory=Scope)
    stackable: bool = False


@dataclass(frozen=True)
class Basket:
    """A sale in progress: its lines (``categories`` is a line's category then its
    ancestors, nearest first), its store and when it is priced."""

    lines: tuple[Line, ...]
    store_id: uuid.UUID
    at: datetime


@dataclass(frozen=True)
class Applied:
    code: str
    discount: Discount


@dataclass(frozen=True)
class NotApplied:
    code: str
    refusal: Refusal


def validity(
    granted_at: datetime,
    zone: ZoneInfo,
    *,
    window: tuple[datetime, datetime] | None = None,
    days: int | None = None,
) -> tuple[datetime, datetime]:
    """A granted coupon's ``(valid_from, valid_until)``: the definition's fixed ``window``
    (from inclusive, until exclusive) as it is, or ``days`` whole days in the brand's
    timezone counting the day of the grant as the first: usable from the grant until the
    midnight that ends day N (3 days granted at 22:00 on the 1st: until the 4th 00:00)."""
    if window is not None:
        return window
    if days is None or days < 1:
        raise ValueError("a validity needs a window or at least one day")
    first_day: date = granted_at.astimezone(zone).date()
    end = datetime.combine(first_day + timedelta(days=days), time(0), tzinfo=zone)
    return granted_at, end


def evaluate(coupon: Coupon, basket: Basket) -> Discount | Refusal:
    """The coupon's discount per line on ``basket`` or why not (see the module)."""
    if basket.at < coupon.valid_from:
        return Refusal("not_yet_valid", f"usable from {coupon.valid_from.isoformat()}")
    if basket.at >= coupon.valid_until:
        return Refusal("expired", f"expired at {coupon.valid_until.isoformat()}")
    if coupon.scope.stores and basket.store_id not in coupon.scope.stores:
        return Refusal("out_of_store_scope", "the coupon is not accepted at this store")
    lines = [line for line in basket.lines if line.amount_fen > 0 and coupon.scope.admits(line)]
    if not lines:
        return Refusal("no_eligible_line", "no line of the basket is in the coupon's scope")
    return KINDS[coupon.kind].price(coupon.terms, lines)


def stacking_refusal(coupons: Sequence[Coupon]) -> Refusal | None:
    """Why these coupons cannot be used on one sale together, or None."""
    if len(coupons) <= 1:
        return None
    if not all(coupon.stackable for coupon in coupons):
        return Refusal("not_stackable", "a coupon that is not stackable is used alone")
    kinds = [coupon.kind for coupon in coupons]
    if len(set(kinds)) != len(kinds):
        return Refusal("same_kind", "stacked coupons are at most one of each kind")
    return None


def apply_together(coupons: Sequence[Coupon], basket: Basket) -> list[Applied | NotApplied]:
    """Each coupon's discount when used together on one sale, in the order of
    :data:`KINDS` (see the module); a coupon that does not apply on what is left takes
    nothing off. Raises ``ValueError`` when :func:`stacking_refusal` refuses them."""
    refusal = stacking_refusal(coupons)
    if refusal is not None:
        raise ValueError(refusal.detail)
    order = list(KINDS)
    left = {line.line_no: line.amount_fen for line in basket.lines}
    results: list[Applied | NotApplied] = []
    for coupon in sorted(coupons, key=lambda coupon: order.index(coupon.kind)):
        lines = tuple(replace(line, amount_fen=left[line.line_no]) for line in basket.lines)
        outcome = evaluate(coupon, replace(basket, lines=lines))
        if isinstance(outcome, Refusal):
            results.append(NotApplied(coupon.code, outcome))
            continue
        for line_no, fen in outcome.per_line.items():
            left[line_no] -= fen
        results.append(Applied(coupon.code, outcome))
    return results


def priced_together(coupons: Sequence[Coupon], basket: Basket) -> list[Discount | Refusal]:
    """Each coupon's discount (aligned with ``coupons``) when they are used together on
    the basket in the stacking order (:func:`apply_together`, whose stable sort lets its
    answers map back by position), or why it takes nothing off what the ones before it
    left. Coupons that cannot be stacked (e.g. a definition's ``stackable`` changed
    since) are each priced alone."""
    if stacking_refusal(coupons) is not None:
        return [evaluate(coupon, basket) for coupon in coupons]
    order = list(KINDS)
    applied = sorted(range(len(coupons)), key=lambda i: order.index(coupons[i].kind))
    results = dict(zip(applied, apply_together(coupons, basket), strict=True))
    return [
        found.discount if isinstance(found := results[i], Applied) else found.refusal
        for i in range(len(coupons))
    ]


BEST_PER_KIND = 3
"""Stackable coupons of a kind :func:`best_stack` tries: the largest on their own."""


def best_stack(coupons: Sequence[Coupon], basket: Basket) -> list[tuple[int, Discount]]:
    """The coupons (by index into ``coupons``, each with its discount in the stack, in the
    stacking order) that take the most off ``basket`` together under the stacking rule,
    or ``[]`` if none applies: the best single coupon, or of the stackable ones one of each
    kind, trying per kind the :data:`BEST_PER_KIND` that take most on their own (so at most
    4^4 stacks are priced, however many coupons the member holds). Of equal totals the
    first found wins, and single coupons are tried first: a stack is offered only when it
    takes strictly more than any coupon alone (the others stay for another sale)."""
    alone = [evaluate(coupon, basket) for coupon in coupons]
    applies = [i for i, outcome in enumerate(alone) if not isinstance(outcome, Refusal)]
    options: list[list[int]] = [[i] for i in applies]
    by_kind: dict[KindName, list[int]] = {}
    for i in applies:
        if coupons[i].stackable:
            by_kind.setdefault(coupons[i].kind, []).append(i)
    tops = [
        sorted(found, key=lambda i: -_total(alone[i]))[:BEST_PER_KIND] for found in by_kind.values()
    ]
    for chosen in product(*([None, *top] for top in tops)):
        picked = [i for i in chosen if i is not None]
        if len(picked) > 1:
            options.append(picked)
    order = list(KINDS)
    best: list[tuple[int, Discount]] = []
    for option in options:
        priced = priced_together([coupons[i] for i in option], basket)
        stack = sorted(
            ((option[j], d) for j, d in enumerate(priced) if not isinstance(d, Refusal)),
            key=lambda pair: order.index(coupons[pair[0]].kind),
        )
        if sum(d.total_fen for _, d in stack) > sum(d.total_fen for _, d in best):
            best = stack
    return best


def _total(outcome: Discount | Refusal) -> int:
    return 0 if isinstance(outcome, Refusal) else outcome.total_fen
