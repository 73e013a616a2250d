"""The service desk's tables: tickets, their history, and the escalation due work.

Free text (description, the invalid verdict's reason, resolution, follow-up note, the
survey's comment) can hold anything a caller says, names and numbers included, so it is
stored encrypted like contact data (``*_encrypted``, Fernet via :mod:`shared.crypto`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKeyConstraint,
    Identity,
    Index,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlmodel import Field

from services.customer.base import CustomerTable
from services.customer.desk.domain import CHANNELS, STATES
from services.customer.desk.sla.domain import KINDS, PRIORITIES
from shared.tokens import MAX_SUBJECT_LENGTH


def _now() -> datetime:
    return datetime.now(UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _at(nullable: bool = False) -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=nullable)


class Ticket(CustomerTable, table=True):
    """A service desk ticket (工单): a complaint, feedback or suggestion, from recording to
    closing. ``due_at`` is when its SLA ends (business hours from ``created_at``);
    ``follow_up_due_at`` when the follow-up call is due once it is resolved."""

    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="ck_tickets_kind"),
        CheckConstraint(_in("priority", PRIORITIES), name="ck_tickets_priority"),
        CheckConstraint(_in("state", STATES), name="ck_tickets_state"),
        CheckConstraint(_in("channel", CHANNELS), name="ck_tickets_channel"),
        CheckConstraint("survey_score BETWEEN 1 AND 5", name="ck_tickets_survey_score"),
        ForeignKeyConstraint(["member_id"], ["customer.members.id"], name="fk_tickets_member"),
        Index("ix_tickets_state_due", "state", "due_at"),
        Index("ix_tickets_assignee_state", "assignee", "state"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    number: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(start=1), unique=True, nullable=False)
    )
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    channel: str = Field(sa_column=Column(String(16), nullable=False))
    priority: str = Field(sa_column=Column(String(16), nullable=False))
    state: str = Field(sa_column=Column(String(16), nullable=False))
    member_id: uuid.UUID | None = Field(default=None, index=True)
    store_id: uuid.UUID | None = None
    description_encrypted: str = Field(sa_column=Column(Text, nullable=False))
    recorded_by: str = Field(sa_column=Column(String(MAX_SUBJECT_LENGTH), nullable=False))
    assignee: str | None = Field(
        default=None, sa_column=Column(String(MAX_SUBJECT_LENGTH), nullable=True)
    )
    invalid_reason_encrypted: str | None = Field(default=None, sa_column=Column(Text))
    resolution_encrypted: str | None = Field(default=None, sa_column=Column(Text))
    follow_up_note_encrypted: str | None = Field(default=None, sa_column=Column(Text))
    survey_score: int | None = Field(default=None, sa_column=Column(SmallInteger))
    survey_comment_encrypted: str | None = Field(default=None, sa_column=Column(Text))
    due_at: datetime = Field(sa_column=_at())
    follow_up_due_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))
    escalated_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))
    escalated_to: str | None = Field(default=None, sa_column=Column(String(16)))
    resolved_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))
    surveyed_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))
    created_at: datetime = Field(default_factory=_now, sa_column=_at())
    updated_at: datetime = Field(default_factory=_now, sa_column=_at())


class TicketChange(CustomerTable, table=True):
    """One step of a ticket's history: who (a staff or member token's subject, or
    ``system`` for the escalation worker) did what, when, from which state to which."""

    __tablename__ = "ticket_history"
    __table_args__ = (
        ForeignKeyConstraint(["ticket_id"], ["customer.tickets.id"], name="fk_history_ticket"),
        Index("ix_ticket_history_ticket", "ticket_id", "seq"),
    )

    seq: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(), primary_key=True)
    )
    ticket_id: uuid.UUID
    action: str = Field(sa_column=Column(String(16), nullable=False))
    from_state: str | None = Field(default=None, sa_column=Column(String(16)))
    to_state: str = Field(sa_column=Column(String(16), nullable=False))
    actor: str = Field(sa_column=Column(String(MAX_SUBJECT_LENGTH), nullable=False))
    detail: str | None = Field(default=None, sa_column=Column(String(MAX_SUBJECT_LENGTH)))
    """What is not free text: the assignee of an assignment, the role escalated to."""
    at: datetime = Field(default_factory=_now, sa_column=_at())


class TicketEscalation(CustomerTable, table=True):
    """Due work: the ticket escalates at ``due_at`` unless it is resolved first. Written
    with the ticket; ``done_at`` set in the transaction of the run that took it up, so it
    fires once, whatever restarts in between."""

    __tablename__ = "ticket_escalations"
    __table_args__ = (
        ForeignKeyConstraint(["ticket_id"], ["customer.tickets.id"], name="fk_escalation_ticket"),
        Index("ix_ticket_escalations_due", "due_at", postgresql_where=text("done_at IS NULL")),
    )

    ticket_id: uuid.UUID = Field(primary_key=True)
    due_at: datetime = Field(sa_column=_at())
    done_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))
