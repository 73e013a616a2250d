"""Custom fields' tables: the brand's definitions, and one row per member and field value."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Index,
    String,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.customer.base import CustomerTable


def _now() -> datetime:
    return datetime.now(UTC)


def _at() -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=False)


class CustomField(CustomerTable, table=True):
    """A field the brand defined (``key`` unique for good, retired ones included).

    ``labels`` is ``{"zh-CN": …, "en": …}``; ``choices`` (type ``choice``) a list of
    ``{"code", "labels"}`` in display order; ``max_length`` bounds a text (characters),
    ``minimum``/``maximum`` a number (integers). ``status`` is ``active`` or ``retired``
    (since ``retired_at``): a retired field is neither written nor shown; its values stay.
    """

    __tablename__ = "custom_fields"
    __table_args__ = (
        CheckConstraint(
            "type IN ('text', 'number', 'date', 'choice')", name="ck_custom_fields_type"
        ),
        CheckConstraint("status IN ('active', 'retired')", name="ck_custom_fields_status"),
        Index("ix_custom_fields_page", "created_at", "id"),
    )

    key: str = Field(sa_column=Column(String(40), primary_key=True))
    id: uuid.UUID = Field(default_factory=uuid.uuid4, unique=True)
    labels: dict[str, str] = Field(sa_column=Column(JSONB, nullable=False))
    type: str = Field(max_length=8)
    choices: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSONB, nullable=False)
    )
    required: bool = False
    searchable: bool = False
    max_length: int | None = None
    minimum: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    maximum: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    status: str = Field(default="active", max_length=8)
    retired_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    created_at: datetime = Field(default_factory=_now, sa_column=_at())
    updated_at: datetime = Field(default_factory=_now, sa_column=_at())


class MemberFieldValue(CustomerTable, table=True):
    """A member's value of a custom field, with the member's joining time (page order).

    One column holds it by type: ``text_encrypted`` (Fernet) with ``term``, the keyed
    lookup hash of its search form; ``term`` alone, a choice's code; ``number``; ``day``.
    Each searchable kind has an index ``(field_key, value, created_at, member_id)``, so
    ``field.<key>=<value>`` is an index range in page order however common the value.
    """

    __tablename__ = "member_field_values"
    __table_args__ = (
        ForeignKeyConstraint(
            ["member_id"],
            ["customer.members.id"],
            name="fk_member_field_values_member",
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["field_key"], ["customer.custom_fields.key"], name="fk_member_field_values_field"
        ),
        CheckConstraint(
            "num_nonnulls(term, number, day) = 1", name="ck_member_field_values_one_value"
        ),
        Index("ix_member_field_values_member", "member_id"),
        Index(
            "ix_member_field_values_term",
            "field_key",
            "term",
            "created_at",
            "member_id",
            postgresql_where=text("term IS NOT NULL"),
        ),
        Index(
            "ix_member_field_values_number",
            "field_key",
            "number",
            "created_at",
            "member_id",
            postgresql_where=text("number IS NOT NULL"),
        ),
        Index(
            "ix_member_field_values_day",
            "field_key",
            "day",
            "created_at",
            "member_id",
            postgresql_where=text("day IS NOT NULL"),
        ),
    )

    field_key: str = Field(sa_column=Column(String(40), primary_key=True))
    member_id: uuid.UUID = Field(primary_key=True)
    created_at: datetime = Field(sa_column=_at())
    text_encrypted: str | None = None
    term: str | None = Field(default=None, max_length=64)
    number: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    day: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
