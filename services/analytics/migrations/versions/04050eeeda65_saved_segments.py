"""Saved segments: definitions, their runs (due work) and materialised members; members' tags

``member_tags`` is kept from ``customer.member.updated`` from now on (tags given before
are not known to analytics), so segments can select by tag.

Revision ID: 04050eeeda65
Revises: 75587a77d3be
Create Date: 2026-12-01 03:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "04050eeeda65"
down_revision: str | None = "75587a77d3be"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "analytics"


def upgrade() -> None:
    op.create_table(
        "segments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("criterion", postgresql.JSONB(), nullable=False),
        sa.Column("refresh_every_hours", sa.Integer(), nullable=False),
        sa.Column("next_refresh_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        schema=S,
    )
    op.create_index("ix_segments_next_refresh_at", "segments", ["next_refresh_at"], schema=S)
    op.create_table(
        "segment_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("segment_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        *(
            sa.Column(name, sa.Integer(), nullable=True)
            for name in ("sequence", "members", "added", "removed", "events")
        ),
        sa.PrimaryKeyConstraint("id"),
        schema=S,
    )
    op.create_index(
        "ix_segment_runs_queued",
        "segment_runs",
        ["requested_at"],
        schema=S,
        postgresql_where=sa.text("state = 'queued'"),
    )
    op.create_index(
        "ix_segment_runs_segment", "segment_runs", ["segment_id", "requested_at"], schema=S
    )
    op.create_table(
        "segment_members",
        sa.Column("segment_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("segment_id", "member_id"),
        schema=S,
    )

    op.create_table(
        "member_tags",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("tag_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "tag_id"),
        schema=S,
    )
    op.create_index("ix_member_tags_tag", "member_tags", ["tag_id"], schema=S)


def downgrade() -> None:
    op.drop_index("ix_member_tags_tag", "member_tags", schema=S)
    op.drop_table("member_tags", schema=S)
    op.drop_table("segment_members", schema=S)
    op.drop_index("ix_segment_runs_segment", "segment_runs", schema=S)
    op.drop_index("ix_segment_runs_queued", "segment_runs", schema=S)
    op.drop_table("segment_runs", schema=S)
    op.drop_index("ix_segments_next_refresh_at", "segments", schema=S)
    op.drop_table("segments", schema=S)
