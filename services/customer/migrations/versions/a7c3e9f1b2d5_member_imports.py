"""member imports: the import jobs, their staged rows and their row errors

Three new tables, empty; no existing row changes.

Revision ID: a7c3e9f1b2d5
Revises: 9f1beff7346f
Create Date: 2026-11-30 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7c3e9f1b2d5"
down_revision: str | None = "9f1beff7346f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _count(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "member_imports",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("charset", sa.String(16), nullable=False),
        sa.Column("columns", sa.String(200), nullable=False),
        _count("rows"),
        _count("processed"),
        _count("imported"),
        _count("skipped"),
        _count("failed"),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done')", name="ck_member_imports_status"
        ),
        schema="customer",
    )
    # the job worker's claim: unfinished imports only
    op.create_index(
        "ix_member_imports_due",
        "member_imports",
        ["created_at"],
        schema="customer",
        postgresql_where=sa.text("status IN ('queued', 'running')"),
    )
    op.create_table(
        "member_import_rows",
        sa.Column("import_id", sa.Uuid(), primary_key=True),
        sa.Column("row", sa.Integer(), primary_key=True),
        sa.Column("cells_encrypted", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["import_id"], ["customer.member_imports.id"]),
        schema="customer",
    )
    op.create_table(
        "member_import_errors",
        sa.Column("import_id", sa.Uuid(), primary_key=True),
        sa.Column("row", sa.Integer(), primary_key=True),
        sa.Column("column", sa.String(32), primary_key=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["import_id"], ["customer.member_imports.id"]),
        schema="customer",
    )


def downgrade() -> None:
    op.drop_table("member_import_errors", schema="customer")
    op.drop_table("member_import_rows", schema="customer")
    op.drop_table("member_imports", schema="customer")
