"""Validating a basket: which of a member's coupons apply to it, each on its own, and the
combination a till would hold, priced by :mod:`services.loyalty.coupons.domain`. Reads
only; one statement per validation."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache

from services.loyalty.accounts.errors import AccountNotFound
from services.loyalty.accounts.service import account_id_query
from services.loyalty.coupons import domain, repository
from services.loyalty.coupons.kinds import Discount, KindName, Refusal
from services.loyalty.coupons.repository import PricedRow
from services.loyalty.coupons.schemas import ValidateIn
from services.loyalty.coupons.service import priced_coupon
from services.loyalty.rules.categories import ancestors_query, categories_of, with_ancestors
from shared import codes
from shared.coupons import (
    ApplicableOut,
    LineDiscountOut,
    NotApplicableOut,
    StackOut,
    ValidationOut,
)
from shared.db import AsyncSession, Prepared

MAX_COUPONS_PRICED = 200
"""A basket is priced with at most the member's latest 200 active coupons."""


@cache
def _priceable() -> Prepared:
    # built and compiled once, sent as asyncpg's prepared statement: constructing it costs
    # more CPU than executing it, and SQLAlchemy's per-execution work was most of the rest
    return Prepared(
        repository.priceable_query(
            account_id_query(repository.MEMBER),
            ancestors_query(repository.CATEGORIES),
            MAX_COUPONS_PRICED,
        )
    )


async def validate(session: AsyncSession, body: ValidateIn) -> ValidationOut:
    """Which of the member's latest :data:`MAX_COUPONS_PRICED` active coupons apply to the
    basket, each on its own (:mod:`~services.loyalty.coupons.domain`), with the discount
    per line in fen, why the others do not, and the combination a till would hold for the
    most off (:func:`domain.best_stack`); categories with their ancestors as orders'
    catalog last said. One statement reads it all. Raises ``AccountNotFound`` (404)."""
    found = await repository.priceable(
        session, _priceable(), body.member_id, categories_of(body.lines)
    )
    if found.account_id is None:
        raise AccountNotFound(f"No loyalty account for member {body.member_id}")
    basket = domain.Basket(
        with_ancestors(body.lines, found.ancestors), body.store_id, datetime.now(UTC)
    )
    rows = found.coupons
    priced = [priced_coupon(row, row) for row in rows]
    applicable: list[ApplicableOut] = []
    refused: list[NotApplicableOut] = []
    for row, one in zip(rows, priced, strict=True):
        outcome = domain.evaluate(one, basket)
        if isinstance(outcome, Refusal):
            refused.append(
                NotApplicableOut(
                    coupon_id=row.coupon_id,
                    code=codes.masked(row.code),
                    name=row.name,
                    reason=outcome.reason,
                    detail=outcome.detail,
                )
            )
        else:
            applicable.append(_applicable(row, outcome))
    best = domain.best_stack(priced, basket)
    stacked = None
    if best:
        per_line: dict[int, int] = {}
        for _, discount in best:
            for line_no, fen in discount.per_line.items():
                per_line[line_no] = per_line.get(line_no, 0) + fen
        stacked = StackOut(
            discount_fen=sum(discount.total_fen for _, discount in best),
            lines=_discounted(per_line),
            coupons=[_applicable(rows[i], discount) for i, discount in best],
        )
    return ValidationOut(applicable=applicable, not_applicable=refused, stacked=stacked)


def _applicable(row: PricedRow, discount: Discount) -> ApplicableOut:
    return ApplicableOut(
        coupon_id=row.coupon_id,
        code=codes.masked(row.code),
        name=row.name,
        kind=KindName(row.kind),
        stackable=row.stackable,
        discount_fen=discount.total_fen,
        lines=_discounted(discount.per_line),
    )


def _discounted(per_line: Mapping[int, int]) -> list[LineDiscountOut]:
    return [
        LineDiscountOut(line_no=line_no, discount_fen=fen)
        for line_no, fen in sorted(per_line.items())
        if fen > 0
    ]
