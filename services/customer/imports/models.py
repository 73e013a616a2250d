"""The tables of member imports: the job, its staged rows, its row errors and the phones
a dry run has counted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, ForeignKeyConstraint, Integer, String, Text
from sqlmodel import Field

from services.customer.base import CustomerTable


def _now() -> datetime:
    return datetime.now(UTC)


class MemberImport(CustomerTable, table=True):
    """An import job and its due work: ``queued`` or ``running`` while staged rows remain
    (the job worker claims it), ``done`` once none do. ``rows`` counts the file's data
    rows; ``processed`` those applied so far, each ``imported`` (a new member; with
    ``dry_run``, one that would be), ``skipped`` (a member already has the phone) or
    ``failed`` (a row error)."""

    __tablename__ = "member_imports"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    status: str = Field(default="queued", max_length=16)
    dry_run: bool = False
    charset: str = Field(max_length=16)
    columns: str = Field(max_length=200)
    """The header's column names, comma-separated, in file order."""
    rows: int = 0
    processed: int = 0
    imported: int = 0
    skipped: int = 0
    failed: int = 0
    created_by: str = Field(max_length=255)
    created_at: datetime = Field(
        default_factory=_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    finished_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class ImportRow(CustomerTable, table=True):
    """A staged data row until the job applies it (then it is deleted). ``row`` is the
    file's row number, the header being row 1; ``cells_encrypted`` the row's cells as a
    JSON list of strings, encrypted like contact data (they hold phones and emails)."""

    __tablename__ = "member_import_rows"

    import_id: uuid.UUID = Field(primary_key=True)
    row: int = Field(sa_column=Column(Integer, primary_key=True))
    cells_encrypted: str = Field(sa_column=Column(Text, nullable=False))


class ImportRowError(CustomerTable, table=True):
    """Why a row was not imported: ``column`` is a header name, or empty for the row."""

    __tablename__ = "member_import_errors"

    import_id: uuid.UUID = Field(primary_key=True)
    row: int = Field(sa_column=Column(Integer, primary_key=True))
    column: str = Field(sa_column=Column(String(32), primary_key=True))
    reason: str = Field(sa_column=Column(Text, nullable=False))


class DryRunPhone(CustomerTable, table=True):
    """A phone (its lookup hash) a dry run has counted as imported, until the run is done:
    a dry run writes no member, so this is how a later chunk knows the phone again."""

    __tablename__ = "member_import_phones"
    __table_args__ = (ForeignKeyConstraint(["import_id"], ["customer.member_imports.id"]),)

    import_id: uuid.UUID = Field(primary_key=True)
    phone_hash: str = Field(sa_column=Column(String(64), primary_key=True))
