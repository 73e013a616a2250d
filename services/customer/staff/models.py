"""The staff table: a staff account, its password hash (Argon2id) and its lockout state."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, Column, DateTime, Integer, String, Text
from sqlmodel import Field

from services.customer.base import CustomerTable
from shared.tokens import ROLES

_ROLE_LIST = ", ".join(f"'{role}'" for role in ROLES)


def _now() -> datetime:
    return datetime.now(UTC)


class StaffAccount(CustomerTable, table=True):
    """A staff account. The login is personal data (often a work email): stored encrypted
    (``login_encrypted``) and found by its keyed hash (``login_hash``, unique), of the login
    as compared (NFKC, case-folded). ``password_hash`` is an Argon2id PHC string. A manager
    may be scoped to one store (``store_id``, an orders store id). ``failed_attempts`` count
    wrong passwords since the last sign-in or lockout; ``locked_until`` (UTC) refuses
    sign-ins until then. A disabled account (``disabled_at``) cannot sign in."""

    __tablename__ = "staff"
    __table_args__ = (
        CheckConstraint(f"role IN ({_ROLE_LIST})", name="ck_staff_role"),
        CheckConstraint("store_id IS NULL OR role = 'manager'", name="ck_staff_store_scope"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    login_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    login_encrypted: str = Field(sa_column=Column(Text, nullable=False))
    password_hash: str = Field(sa_column=Column(Text, nullable=False))
    role: str = Field(sa_column=Column(String(16), nullable=False))
    store_id: uuid.UUID | None = Field(default=None, nullable=True)
    failed_attempts: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default="0")
    )
    locked_until: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    disabled_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    created_at: datetime = Field(
        default_factory=_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
