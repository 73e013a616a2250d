"""the ledger takes void entries

A store's void of a sale (``orders.purchase.voided``) takes back what the sale earned as
a full return would; its ledger entry's source is ``('void', <purchase id>)``, carrying
points of the sign a return's do (zero or below). Only the source CHECK changes; no row
is touched.

Revision ID: a3f6c2e9d147
Revises: e8b2d4f6a9c1
Create Date: 2026-11-30 01:35:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a3f6c2e9d147"
down_revision: str | None = "e8b2d4f6a9c1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = (
    "CASE source_type WHEN 'purchase' THEN points >= 0 WHEN 'return' THEN points <= 0 "
    "WHEN 'redemption' THEN points <= -1 WHEN 'adjustment' THEN true ELSE false END"
)
AFTER = (
    "CASE source_type WHEN 'purchase' THEN points >= 0 WHEN 'return' THEN points <= 0 "
    "WHEN 'void' THEN points <= 0 WHEN 'redemption' THEN points <= -1 "
    "WHEN 'adjustment' THEN true ELSE false END"
)


def _check(condition: str) -> None:
    op.drop_constraint("ck_ledger_entries_source", "ledger_entries", schema="loyalty")
    op.create_check_constraint(
        "ck_ledger_entries_source", "ledger_entries", condition, schema="loyalty"
    )


def upgrade() -> None:
    _check(AFTER)


def downgrade() -> None:
    # a ledger with void entries cannot go back: the old CHECK refuses them, and entries
    # are never deleted (the ledger is append-only), so the downgrade fails loudly then
    _check(BEFORE)
