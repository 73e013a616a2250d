"""member search: surname initials and name pieces (backfilled), indexes; staff's recent and
pinned members

Adds ``members.surname_initial`` and ``member_name_grams`` and computes both for every
existing member with the rules registration uses (pypinyin under a table of surname
readings; the name's 1- and 2-character pieces), a chunk of members at a time; indexes the
initial with joining order, and ``lower(name)`` by trigram (pg_trgm, created in the
customer schema by provisioning) for longer parts of names. Two new empty tables keep each
staff user's recently viewed and pinned members.

Revision ID: 2addd78cd9c9
Revises: a7c3e9f1b2d5
Create Date: 2026-11-30 17:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.customer.search.domain import name_grams, surname_initial

revision: str = "2addd78cd9c9"
down_revision: str | None = "a7c3e9f1b2d5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 5000
_SUBJECT = 255
_STAFF_TABLES = {"staff_recent_members": "viewed_at", "staff_pinned_members": "pinned_at"}


def _member_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["member_id"], ["customer.members.id"], name=f"fk_{table}_member", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.add_column(
        "members", sa.Column("surname_initial", sa.String(1), nullable=True), schema="customer"
    )
    op.create_table(
        "member_name_grams",
        sa.Column("gram", sa.String(2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("gram", "created_at", "member_id"),
        _member_fk("member_name_grams"),
        schema="customer",
    )
    _backfill()
    op.create_index(
        "ix_member_name_grams_member", "member_name_grams", ["member_id"], schema="customer"
    )
    op.create_index(
        "ix_members_surname_initial",
        "members",
        ["surname_initial", "created_at", "id"],
        schema="customer",
    )
    op.execute(
        "CREATE INDEX ix_members_name_trgm ON customer.members USING gin (lower(name) gin_trgm_ops)"
    )
    for table, at in _STAFF_TABLES.items():
        op.create_table(
            table,
            sa.Column("staff", sa.String(_SUBJECT), nullable=False),
            sa.Column("member_id", sa.Uuid(), nullable=False),
            sa.Column(at, sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("staff", "member_id"),
            _member_fk(table),
            schema="customer",
        )
    op.create_index(
        "ix_staff_recent_members_viewed",
        "staff_recent_members",
        ["staff", "viewed_at"],
        schema="customer",
    )
    op.create_index(
        "ix_staff_pinned_members_pinned",
        "staff_pinned_members",
        ["staff", "pinned_at", "member_id"],
        schema="customer",
    )


def _backfill() -> None:
    connection = op.get_bind()
    after = None
    while True:
        query = "SELECT id, name, created_at FROM customer.members"
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
        connection.execute(
            sa.text(
                "INSERT INTO customer.member_name_grams (gram, created_at, member_id) "
                "VALUES (:gram, :created_at, :id)"
            ),
            [
                {"gram": gram, "created_at": row.created_at, "id": row.id}
                for row in rows
                for gram in sorted(name_grams(row.name))
            ],
        )
        after = rows[-1].id


def downgrade() -> None:
    for table in _STAFF_TABLES:
        op.drop_table(table, schema="customer")
    op.drop_index("ix_members_name_trgm", table_name="members", schema="customer")
    op.drop_index("ix_members_surname_initial", table_name="members", schema="customer")
    op.drop_table("member_name_grams", schema="customer")
    op.drop_column("members", "surname_initial", schema="customer")
