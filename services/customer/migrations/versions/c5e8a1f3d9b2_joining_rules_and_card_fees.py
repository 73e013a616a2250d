"""joining rules and card fees: the brand's joining policy, members' qualifications and
card fees

Three new tables, empty at upgrade: no policy row means open joining without a card fee,
as before; members already registered have no qualification (they joined without one).

Revision ID: c5e8a1f3d9b2
Revises: 2addd78cd9c9
Create Date: 2026-11-30 18:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c5e8a1f3d9b2"
down_revision: str | None = "2addd78cd9c9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SUBJECT = 255
_RECEIPT = 40


def _member_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["member_id"], ["customer.members.id"], name=f"fk_{table}_member", ondelete="CASCADE"
    )


def _at(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "joining_policy",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("admits", postgresql.ARRAY(sa.String(16)), nullable=False),
        sa.Column("min_purchase_fen", sa.BigInteger(), nullable=True),
        sa.Column("card_fee_fen", sa.BigInteger(), nullable=False),
        _at("updated_at"),
        sa.Column("updated_by", sa.String(_SUBJECT), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("id = 1", name="ck_joining_policy_one_row"),
        sa.CheckConstraint("card_fee_fen >= 0", name="ck_joining_policy_card_fee"),
        schema="customer",
    )
    op.create_table(
        "member_qualifications",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("receipt_no", sa.String(_RECEIPT), nullable=True, unique=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("proof_kind", sa.String(16), nullable=True),
        sa.Column("note_encrypted", sa.Text(), nullable=True),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("attested_by", sa.String(_SUBJECT), nullable=False),
        _at("recorded_at"),
        sa.PrimaryKeyConstraint("member_id"),
        _member_fk("member_qualifications"),
        schema="customer",
    )
    op.create_table(
        "card_fees",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("fee_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("tender", sa.String(16), nullable=True),
        sa.Column("receipt_no", sa.String(_RECEIPT), nullable=True, unique=True),
        sa.Column("waived_reason", sa.String(200), nullable=True),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(_SUBJECT), nullable=False),
        _at("recorded_at"),
        sa.PrimaryKeyConstraint("member_id"),
        _member_fk("card_fees"),
        sa.CheckConstraint("paid_fen >= 0 AND fee_fen > 0", name="ck_card_fees_amounts"),
        sa.CheckConstraint(
            "(waived_reason IS NULL) = (receipt_no IS NOT NULL)", name="ck_card_fees_paid_or_waived"
        ),
        schema="customer",
    )
    op.create_index("ix_card_fees_recorded_at", "card_fees", ["recorded_at"], schema="customer")


def downgrade() -> None:
    op.drop_table("card_fees", schema="customer")
    op.drop_table("member_qualifications", schema="customer")
    op.drop_table("joining_policy", schema="customer")
