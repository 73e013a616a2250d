"""service desk: tickets, their history and the escalation due work

Three new tables, empty; no existing row changes.

Revision ID: 9f1beff7346f
Revises: d4b8f1a3c6e2
Create Date: 2026-11-30 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9f1beff7346f"
down_revision: str | None = "d4b8f1a3c6e2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SUBJECT = 255


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.BigInteger(), sa.Identity(start=1), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.Column("store_id", sa.Uuid(), nullable=True),
        sa.Column("description_encrypted", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(_SUBJECT), nullable=False),
        sa.Column("assignee", sa.String(_SUBJECT), nullable=True),
        sa.Column("invalid_reason_encrypted", sa.Text(), nullable=True),
        sa.Column("resolution_encrypted", sa.Text(), nullable=True),
        sa.Column("follow_up_note_encrypted", sa.Text(), nullable=True),
        sa.Column("survey_score", sa.SmallInteger(), nullable=True),
        sa.Column("survey_comment_encrypted", sa.Text(), nullable=True),
        _at("due_at"),
        _at("follow_up_due_at", nullable=True),
        _at("escalated_at", nullable=True),
        sa.Column("escalated_to", sa.String(16), nullable=True),
        _at("resolved_at", nullable=True),
        _at("surveyed_at", nullable=True),
        _at("created_at"),
        _at("updated_at"),
        sa.CheckConstraint(
            "kind IN ('complaint', 'feedback', 'suggestion')", name="ck_tickets_kind"
        ),
        sa.CheckConstraint(
            "priority IN ('urgent', 'high', 'normal', 'low')", name="ck_tickets_priority"
        ),
        sa.CheckConstraint(
            "state IN ('recorded', 'judged', 'assigned', 'resolved', 'followed_up', 'closed')",
            name="ck_tickets_state",
        ),
        sa.CheckConstraint(
            "channel IN ('hotline', 'store', 'app', 'email', 'wechat', 'letter')",
            name="ck_tickets_channel",
        ),
        sa.CheckConstraint("survey_score BETWEEN 1 AND 5", name="ck_tickets_survey_score"),
        sa.ForeignKeyConstraint(["member_id"], ["customer.members.id"], name="fk_tickets_member"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
        schema="customer",
    )
    op.create_index(
        op.f("ix_customer_tickets_member_id"), "tickets", ["member_id"], schema="customer"
    )
    op.create_index("ix_tickets_state_due", "tickets", ["state", "due_at"], schema="customer")
    op.create_index(
        "ix_tickets_assignee_state", "tickets", ["assignee", "state"], schema="customer"
    )
    op.create_table(
        "ticket_history",
        sa.Column("seq", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=True),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(_SUBJECT), nullable=False),
        sa.Column("detail", sa.String(_SUBJECT), nullable=True),
        _at("at"),
        sa.ForeignKeyConstraint(["ticket_id"], ["customer.tickets.id"], name="fk_history_ticket"),
        sa.PrimaryKeyConstraint("seq"),
        schema="customer",
    )
    op.create_index(
        "ix_ticket_history_ticket", "ticket_history", ["ticket_id", "seq"], schema="customer"
    )
    op.create_table(
        "ticket_escalations",
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        _at("due_at"),
        _at("done_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["customer.tickets.id"], name="fk_escalation_ticket"
        ),
        sa.PrimaryKeyConstraint("ticket_id"),
        schema="customer",
    )
    op.create_index(
        "ix_ticket_escalations_due",
        "ticket_escalations",
        ["due_at"],
        schema="customer",
        postgresql_where=sa.text("done_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("ticket_escalations", schema="customer")
    op.drop_table("ticket_history", schema="customer")
    op.drop_table("tickets", schema="customer")
