"""dry-run phones: the phones a dry run has counted, so a phone repeated in a later chunk
is counted once

One new table, empty; no existing row changes. A dry run writes no member, so its later
chunks cannot find an earlier chunk's phone among the members as an import's do.

Revision ID: f6a9c2d8e1b4
Revises: a6cb5b68b528
Create Date: 2026-11-30 18:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f6a9c2d8e1b4"
down_revision: str | None = "a6cb5b68b528"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "member_import_phones",
        sa.Column("import_id", sa.Uuid(), primary_key=True),
        sa.Column("phone_hash", sa.String(64), primary_key=True),
        sa.ForeignKeyConstraint(["import_id"], ["customer.member_imports.id"]),
        schema="customer",
    )


def downgrade() -> None:
    op.drop_table("member_import_phones", schema="customer")
