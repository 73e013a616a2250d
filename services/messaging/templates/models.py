"""The template versions staff saved: one row per save, never changed or deleted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, Identity, Text, UniqueConstraint
from sqlmodel import Field

from services.messaging.base import MessagingTable, timestamp
from shared.tokens import MAX_SUBJECT_LENGTH


class TemplateVersion(MessagingTable, table=True):
    """Version ``version`` (1, 2, ...) of one template in one channel and language; the
    highest is published. ``text`` is what staff saved, or ``NULL`` for a return to the
    code's default (version 0, never stored, so a release's new default text reaches
    brands that have not edited it); ``reverted_to`` names the version a revert restored
    (0: the default), ``NULL`` for an edit.

    Append-only: the number of rows tells each process whether its cache of the published
    texts is current (``templates.service.published``)."""

    __tablename__ = "template_versions"
    __table_args__ = (
        UniqueConstraint("template", "channel", "locale", "version", name="uq_template_versions"),
        CheckConstraint("version >= 1", name="ck_template_versions_version"),
        CheckConstraint("channel IN ('email', 'sms')", name="ck_template_versions_channel"),
        CheckConstraint(
            "reverted_to IS NULL OR (reverted_to >= 0 AND reverted_to < version)",
            name="ck_template_versions_reverted_to",
        ),
    )

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(always=True), primary_key=True)
    )
    template: str = Field(max_length=32)
    channel: str = Field(max_length=8)
    locale: str = Field(max_length=8)
    version: int
    text: str | None = Field(default=None, sa_column=Column(Text))
    reverted_to: int | None = None
    updated_by: str = Field(max_length=MAX_SUBJECT_LENGTH)
    created_at: datetime = timestamp()
