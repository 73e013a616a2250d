"""receipt numbers unique per store

A till that made up a new Idempotency-Key for each retry had its sale recorded (and its
points credited) once per retry. From now on a store's receipt number belongs to one
purchase: the purchase keeps the fingerprint of its sale as posted (``request_hash``), so
that a repeat of the receipt is answered as a replay when the sale is the same and refused
when it differs.

Existing data may hold a receipt number more than once per store (that was the fault).
Those purchases stay as they are (they were published and credited), but only the first
recorded (earliest ``created_at``, then id) keeps answering to the receipt number; each
later one gets ``duplicate_of`` = that first purchase, and the unique index covers every
purchase with a receipt number and without ``duplicate_of``. The number marked is logged.

``request_hash`` of existing purchases with a receipt number is taken from the idempotency
key that recorded them where that key is still kept (7 days for stores); older ones have
none, and a repeat of their receipt number is refused as another sale, never counted twice.

Revision ID: faad0e8e3a8b
Revises: b8d4e2f6a1c9
Create Date: 2026-11-30 10:00:00
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "faad0e8e3a8b"
down_revision: str | None = "b8d4e2f6a1c9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("huiyuan.migrations.orders")

_FINGERPRINTS_FROM_KEYS = """
UPDATE orders.purchases AS p
SET request_hash = k.request_hash
FROM orders.idempotency_keys AS k
WHERE p.receipt_no IS NOT NULL
  AND k.scope = 'store:' || p.store_id::text
  AND k.status_code = 201
  AND k.response ->> 'id' = p.id::text
"""

_MARK_LATER_DUPLICATES = """
UPDATE orders.purchases AS p
SET duplicate_of = ranked.holder
FROM (
    SELECT id,
           first_value(id) OVER (
               PARTITION BY store_id, receipt_no ORDER BY created_at, id
           ) AS holder
    FROM orders.purchases
    WHERE receipt_no IS NOT NULL
) AS ranked
WHERE p.id = ranked.id AND ranked.holder <> ranked.id
"""


def upgrade() -> None:
    op.add_column("purchases", sa.Column("request_hash", sa.String(64)), schema="orders")
    op.add_column(
        "purchases",
        sa.Column("duplicate_of", sa.Uuid(), sa.ForeignKey("orders.purchases.id")),
        schema="orders",
    )
    connection = op.get_bind()
    connection.execute(sa.text(_FINGERPRINTS_FROM_KEYS))
    marked = connection.execute(sa.text(_MARK_LATER_DUPLICATES)).rowcount
    if marked:
        log.warning(
            "orders: %d purchases repeated a receipt number their store had already used; "
            "they stay recorded, marked duplicate_of the first purchase with that number",
            marked,
        )
    op.create_index(
        "uq_purchases_store_receipt",
        "purchases",
        ["store_id", "receipt_no"],
        unique=True,
        schema="orders",
        postgresql_where=sa.text("receipt_no IS NOT NULL AND duplicate_of IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_purchases_store_receipt", table_name="purchases", schema="orders")
    op.drop_column("purchases", "duplicate_of", schema="orders")
    op.drop_column("purchases", "request_hash", schema="orders")
