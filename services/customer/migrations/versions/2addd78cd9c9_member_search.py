"""member search: the surname's pinyin initial (backfilled), name and initial indexes

Adds ``members.surname_initial`` and computes it for every existing member with the same
rule registration uses (pypinyin under a table of surname readings), a chunk of ids at a
time; then indexes it with joining order (a page of one initial is an index range), and
indexes ``lower(name)`` by trigram (pg_trgm, created in the customer schema by provisioning)
so a part of a name is found without reading every member.

Revision ID: 2addd78cd9c9
Revises: 9f1beff7346f
Create Date: 2026-11-30 17:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.customer.search.domain import surname_initial

revision: str = "2addd78cd9c9"
down_revision: str | None = "9f1beff7346f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 5000


def upgrade() -> None:
    op.add_column(
        "members", sa.Column("surname_initial", sa.String(1), nullable=True), schema="customer"
    )
    _backfill()
    op.create_index(
        "ix_members_surname_initial",
        "members",
        ["surname_initial", "created_at", "id"],
        schema="customer",
    )
    op.execute(
        "CREATE INDEX ix_members_name_trgm ON customer.members USING gin (lower(name) gin_trgm_ops)"
    )


def _backfill() -> None:
    connection = op.get_bind()
    after = None
    while True:
        query = "SELECT id, name FROM customer.members"
        if after is not None:
            query += " WHERE id > :after"
        rows = connection.execute(
            sa.text(query + " ORDER BY id LIMIT :chunk"), {"after": after, "chunk": _CHUNK}
        ).all()
        if not rows:
            return
        connection.execute(
            sa.text("UPDATE customer.members SET surname_initial = :initial WHERE id = :id"),
            [{"id": row.id, "initial": surname_initial(row.name)} for row in rows],
        )
        after = rows[-1].id


def downgrade() -> None:
    op.drop_index("ix_members_name_trgm", table_name="members", schema="customer")
    op.drop_index("ix_members_surname_initial", table_name="members", schema="customer")
    op.drop_column("members", "surname_initial", schema="customer")
