"""contacts' names encrypted at rest, as their phone numbers and emails are

``contacts.name`` (the member's name, in clear) becomes ``name_encrypted`` (Fernet under the
PII key, as ``phone_encrypted``): each row's name is encrypted here, a batch at a time,
then the clear column is dropped. The key is the messaging service's ``pii_key``
(``MESSAGING_PII_KEY``, else ``HUIYUAN_PII_KEY``), read as the service reads it. The
downgrade decrypts them back into ``name``.

Revision ID: e6183dc67479
Revises: 523c0dcb2d79
Create Date: 2026-12-01 07:00:00
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from services.messaging.config import Settings
from shared.crypto import PiiCipher

revision: str = "e6183dc67479"
down_revision: str | None = "523c0dcb2d79"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def _rewrite(source: str, target: str, convert: Callable[[str], str]) -> None:
    """Writes ``convert(source)`` into ``target`` for every contact, in batches by member."""
    connection = op.get_bind()
    contacts = sa.table(
        "contacts",
        sa.column("member_id", sa.Uuid()),
        sa.column(source, sa.String()),
        sa.column(target, sa.String()),
        schema="messaging",
    )
    after: uuid.UUID | None = None
    while rows := connection.execute(
        sa.select(contacts.c.member_id, contacts.c[source])
        .where(sa.true() if after is None else contacts.c.member_id > after)
        .order_by(contacts.c.member_id)
        .limit(BATCH)
    ).all():
        connection.execute(
            sa.update(contacts)
            .where(contacts.c.member_id == sa.bindparam("id"))
            .values({target: sa.bindparam("value")}),
            [{"id": row[0], "value": convert(row[1])} for row in rows],
        )
        after = rows[-1][0]


def upgrade() -> None:
    cipher = PiiCipher(Settings().pii_key.get_secret_value())
    op.add_column("contacts", sa.Column("name_encrypted", sa.String()), schema="messaging")
    _rewrite("name", "name_encrypted", cipher.encrypt)
    op.alter_column("contacts", "name_encrypted", nullable=False, schema="messaging")
    op.drop_column("contacts", "name", schema="messaging")


def downgrade() -> None:
    cipher = PiiCipher(Settings().pii_key.get_secret_value())
    op.add_column("contacts", sa.Column("name", sa.String(length=100)), schema="messaging")
    _rewrite("name_encrypted", "name", cipher.decrypt)
    op.alter_column("contacts", "name", nullable=False, schema="messaging")
    op.drop_column("contacts", "name_encrypted", schema="messaging")
