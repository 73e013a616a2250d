"""referral codes: every member gets one; a member may name who referred them

Members registered before get a fresh code each (drawn here, in batches of 1,000, before
the unique index exists; a repeat within the draw is drawn again). ``referrer_id`` stays
empty for them: nobody named a code when they joined.

Revision ID: c2a7e5d9f413
Revises: 191b907c2667
Create Date: 2026-11-30 14:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared import codes

revision: str = "c2a7e5d9f413"
down_revision: str | None = "191b907c2667"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1_000
_CODE_LENGTH = codes.SYMBOLS + 1


def _give_codes(connection: sa.Connection) -> None:
    drawn: set[str] = set()
    while True:
        ids = connection.scalars(
            sa.text(
                "SELECT id FROM customer.members WHERE referral_code IS NULL ORDER BY id LIMIT :n"
            ),
            {"n": _BATCH},
        ).all()
        if not ids:
            return
        rows = []
        for member_id in ids:
            code = codes.new_code()
            while code in drawn:
                code = codes.new_code()
            drawn.add(code)
            rows.append({"id": member_id, "code": code})
        connection.execute(
            sa.text("UPDATE customer.members SET referral_code = :code WHERE id = :id"), rows
        )


def upgrade() -> None:
    op.add_column(
        "members",
        sa.Column("referral_code", sa.String(_CODE_LENGTH), nullable=True),
        schema="customer",
    )
    op.add_column("members", sa.Column("referrer_id", sa.Uuid(), nullable=True), schema="customer")
    _give_codes(op.get_bind())
    op.alter_column("members", "referral_code", nullable=False, schema="customer")
    op.create_unique_constraint(
        "members_referral_code_key", "members", ["referral_code"], schema="customer"
    )
    op.create_foreign_key(
        "fk_members_referrer",
        "members",
        "members",
        ["referrer_id"],
        ["id"],
        source_schema="customer",
        referent_schema="customer",
    )
    op.create_index(
        op.f("ix_customer_members_referrer_id"), "members", ["referrer_id"], schema="customer"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_customer_members_referrer_id"), table_name="members", schema="customer")
    op.drop_constraint("fk_members_referrer", "members", schema="customer", type_="foreignkey")
    op.drop_constraint("members_referral_code_key", "members", schema="customer", type_="unique")
    op.drop_column("members", "referrer_id", schema="customer")
    op.drop_column("members", "referral_code", schema="customer")
