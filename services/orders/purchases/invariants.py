"""Orders' invariants over sales, discounts, tenders and returns, checked in the database.

The CHECKs on the tables hold each row alone (a line's discount within its amount, returned
units within the units sold). These hold what spans rows:

- ``sale_total``: a sale's ``total_fen`` is what its lines pay, Σ(quantity × unit price −
  discount);
- ``discount_shares``: each of a sale's recorded discounts is shared out exactly (its
  lines' shares add up to its ``amount_fen``), and each line's ``discount_fen`` is the sum
  of the shares it got (a line no discount names has none);
- ``tenders_pay_total``: the tenders of a sale pay exactly its total, and none refunded
  more than it paid;
- ``returns_within_paid``: a line's returns give back its returned units and never more
  than the line paid; once every unit is back they refunded exactly what it paid (see
  :func:`services.orders.discounts.domain.refund_fen`).

Each check is one query naming the sales that break it. ``stores`` limits the check to
those stores' sales (the fault checker's own). It reads the tables directly: an audit,
not a use case.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import text

from shared.db import AsyncSession

_SCOPE = "(CAST(:stores AS uuid[]) IS NULL OR p.store_id = ANY(CAST(:stores AS uuid[])))"

_CHECKS: dict[str, str] = {
    "sale_total": f"""
        SELECT p.id FROM orders.purchases p
        JOIN orders.purchase_lines l ON l.purchase_id = p.id
        WHERE {_SCOPE}
        GROUP BY p.id, p.total_fen
        HAVING p.total_fen <> SUM(l.quantity * l.unit_price_fen - l.discount_fen)
    """,
    "discount_shares": f"""
        WITH shares AS (
            SELECT p.id AS purchase_id, d.ordinality AS n,
                   (d.value ->> 'amount_fen')::bigint AS amount_fen,
                   (s.value ->> 'line_no')::int AS line_no,
                   (s.value ->> 'discount_fen')::bigint AS share_fen
            FROM orders.purchases p
            CROSS JOIN LATERAL jsonb_array_elements(p.discounts) WITH ORDINALITY d
            CROSS JOIN LATERAL jsonb_array_elements(d.value -> 'lines') s
            WHERE p.discounts IS NOT NULL AND {_SCOPE}
        ), per_discount AS (
            SELECT purchase_id FROM shares
            GROUP BY purchase_id, n, amount_fen HAVING SUM(share_fen) <> amount_fen
        ), per_line AS (
            SELECT l.purchase_id FROM orders.purchase_lines l
            JOIN orders.purchases p ON p.id = l.purchase_id
            LEFT JOIN (
                SELECT purchase_id, line_no, SUM(share_fen) AS fen FROM shares
                GROUP BY purchase_id, line_no
            ) got ON got.purchase_id = l.purchase_id AND got.line_no = l.line_no
            WHERE {_SCOPE} AND l.discount_fen <> COALESCE(got.fen, 0)
        )
        SELECT purchase_id FROM per_discount UNION SELECT purchase_id FROM per_line
    """,
    "tenders_pay_total": f"""
        SELECT p.id FROM orders.purchases p
        CROSS JOIN LATERAL jsonb_array_elements(p.tenders) t
        WHERE p.tenders IS NOT NULL AND {_SCOPE}
        GROUP BY p.id, p.total_fen
        HAVING SUM((t.value ->> 'amount_fen')::bigint) <> p.total_fen
            OR bool_or((t.value ->> 'refunded_fen')::bigint > (t.value ->> 'amount_fen')::bigint)
    """,
    "returns_within_paid": f"""
        SELECT l.purchase_id FROM orders.purchase_lines l
        JOIN orders.purchases p ON p.id = l.purchase_id
        LEFT JOIN (
            SELECT r.purchase_id, rl.line_no, SUM(rl.quantity) AS units,
                   SUM(rl.amount_fen) AS fen
            FROM orders.purchase_returns r
            JOIN orders.return_lines rl ON rl.return_id = r.id
            GROUP BY r.purchase_id, rl.line_no
        ) back ON back.purchase_id = l.purchase_id AND back.line_no = l.line_no
        WHERE {_SCOPE} AND (
            COALESCE(back.units, 0) <> l.returned_quantity
            OR COALESCE(back.fen, 0) > l.quantity * l.unit_price_fen - l.discount_fen
            OR (l.returned_quantity = l.quantity
                AND COALESCE(back.fen, 0) <> l.quantity * l.unit_price_fen - l.discount_fen)
        )
    """,
}


@dataclass(frozen=True)
class SaleViolation:
    invariant: str
    purchase_id: uuid.UUID

    def __str__(self) -> str:
        return f"{self.invariant}: purchase {self.purchase_id}"


async def sale_violations(
    session: AsyncSession, stores: Collection[uuid.UUID] | None = None
) -> list[SaleViolation]:
    """Every sale that breaks one of the invariants above (see the module).

    ``session`` reads the orders schema (orders' role or a superuser); ``stores`` limits
    the check to those stores' sales, all sales when None.
    """
    scope = {"stores": None if stores is None else list(stores)}
    found: list[SaleViolation] = []
    for invariant, query in _CHECKS.items():
        rows = await session.execute(text(query), scope)
        found += [SaleViolation(invariant, row[0]) for row in rows]
    return found
