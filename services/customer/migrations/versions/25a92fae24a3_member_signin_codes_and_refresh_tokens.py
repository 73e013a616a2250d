"""member sign-in: one-time SMS codes and refresh token families, all hashed

``signin_codes`` holds each code sent by SMS as an HMAC (never the code), its phone as the
members' lookup hash, its wrong tries and expiry; ``refresh_families`` one per sign-in,
revoked on sign-out, revoke-all or reuse; ``refresh_tokens`` each token of a family by its
SHA-256 and when it was rotated; ``job_runs`` the days customer's daily jobs (the purge of
spent codes and finished sign-ins) have done.

Revision ID: 25a92fae24a3
Revises: 5c896e363587
Create Date: 2026-12-01 03:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "25a92fae24a3"
down_revision: str | None = "5c896e363587"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str, nullable: bool = False) -> sa.Column[sa.DateTime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "signin_codes",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("phone_hash", sa.String(64), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(8), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        _at("created_at"),
        _at("expires_at"),
        _at("used_at", nullable=True),
        sa.CheckConstraint("purpose IN ('sign_in', 'sign_up')", name="ck_signin_codes_purpose"),
        schema="customer",
    )
    op.create_index(
        "ix_signin_codes_phone_created",
        "signin_codes",
        ["phone_hash", "created_at"],
        schema="customer",
    )
    op.create_index("ix_signin_codes_expires", "signin_codes", ["expires_at"], schema="customer")
    op.create_table(
        "refresh_families",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        _at("created_at"),
        _at("revoked_at", nullable=True),
        sa.Column("revoked_reason", sa.String(16)),
        sa.CheckConstraint(
            "revoked_reason IN ('sign_out', 'revoke_all', 'reuse')",
            name="ck_refresh_families_reason",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["customer.members.id"],
            name="fk_refresh_families_member",
            ondelete="CASCADE",
        ),
        schema="customer",
    )
    op.create_index(
        "ix_refresh_families_member", "refresh_families", ["member_id"], schema="customer"
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        _at("created_at"),
        _at("expires_at"),
        _at("rotated_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["customer.refresh_families.id"],
            name="fk_refresh_tokens_family",
            ondelete="CASCADE",
        ),
        schema="customer",
    )
    op.create_index("ix_refresh_tokens_family", "refresh_tokens", ["family_id"], schema="customer")
    op.create_table(
        "job_runs",
        sa.Column("job", sa.String(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column(
            "finished_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("job", "day"),
        schema="customer",
    )


def downgrade() -> None:
    op.drop_table("job_runs", schema="customer")
    op.drop_table("refresh_tokens", schema="customer")
    op.drop_table("refresh_families", schema="customer")
    op.drop_table("signin_codes", schema="customer")
