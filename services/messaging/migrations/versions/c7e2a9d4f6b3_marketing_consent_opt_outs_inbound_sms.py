"""marketing consent and opt-outs on contacts, phone lookup hash, inbound SMS

Contacts gain marketing consent per channel (every contact so far: the channel's
consent, which is what customer's events meant), the time of the member's last opt-out
per channel, and the keyed lookup hash of the phone number, so an SMS reply finds its
member: computed here for every contact (decrypting its number with messaging's
``pii_key``, as the service reads it; a key that does not decrypt stops the upgrade with
nothing changed), then kept by the consumers. A stored value that is no phone number gets
none: no SMS goes there either.
``inbound_sms`` keeps members' replies once per provider message id, encrypted.

Revision ID: c7e2a9d4f6b3
Revises: c5e8a2d4f6b1
Create Date: 2026-11-30 21:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from cryptography.fernet import InvalidToken

from services.messaging.config import Settings
from services.messaging.contacts.domain import sms_number
from shared.crypto import PiiCipher

revision: str = "c7e2a9d4f6b3"
down_revision: str | None = "c5e8a2d4f6b1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000

# the table as it is at this revision, whatever the models say later
contacts = sa.table(
    "contacts",
    sa.column("member_id", sa.Uuid()),
    sa.column("phone_encrypted", sa.String()),
    sa.column("phone_hash", sa.String()),
    schema="messaging",
)


def _hash_phones() -> None:
    """The lookup hash of every contact's number, in batches by member id."""
    cipher = PiiCipher(Settings().pii_key.get_secret_value())
    connection = op.get_bind()
    after = None
    while True:
        query = sa.select(contacts.c.member_id, contacts.c.phone_encrypted)
        if after is not None:
            query = query.where(contacts.c.member_id > after)
        rows = connection.execute(query.order_by(contacts.c.member_id).limit(BATCH)).all()
        if not rows:
            return
        hashes = []
        for member_id, encrypted in rows:
            try:
                number = sms_number(cipher.decrypt(encrypted))
            except InvalidToken as wrong_key:
                raise RuntimeError(
                    "messaging's pii_key does not decrypt the contacts' phone numbers"
                ) from wrong_key
            if number is not None:
                hashes.append({"id": member_id, "hash": cipher.lookup_hash(number)})
        if hashes:
            connection.execute(
                contacts.update()
                .where(contacts.c.member_id == sa.bindparam("id"))
                .values(phone_hash=sa.bindparam("hash")),
                hashes,
            )
        after = rows[-1].member_id


def upgrade() -> None:
    for channel in ("sms", "email"):
        op.add_column(
            "contacts",
            sa.Column(f"marketing_{channel}", sa.Boolean(), nullable=False, server_default="f"),
            schema="messaging",
        )
        op.execute(f"UPDATE messaging.contacts SET marketing_{channel} = consent_{channel}")
        op.alter_column("contacts", f"marketing_{channel}", server_default=None, schema="messaging")
        op.add_column(
            "contacts",
            sa.Column(f"{channel}_opted_out_at", sa.DateTime(timezone=True), nullable=True),
            schema="messaging",
        )
    op.add_column(
        "contacts", sa.Column("phone_hash", sa.String(length=64), nullable=True), schema="messaging"
    )
    op.create_index(
        "ix_messaging_contacts_phone_hash", "contacts", ["phone_hash"], schema="messaging"
    )
    _hash_phones()
    op.create_table(
        "inbound_sms",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("provider_message_id", sa.String(length=255), nullable=False),
        sa.Column("sender_hash", sa.String(length=64), nullable=False),
        sa.Column("sender_encrypted", sa.String(), nullable=False),
        sa.Column("text_encrypted", sa.String(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider_message_id"),
        schema="messaging",
    )
    op.create_index(
        "ix_messaging_inbound_sms_sender_hash", "inbound_sms", ["sender_hash"], schema="messaging"
    )


def downgrade() -> None:
    op.drop_table("inbound_sms", schema="messaging")
    op.drop_index("ix_messaging_contacts_phone_hash", "contacts", schema="messaging")
    op.drop_column("contacts", "phone_hash", schema="messaging")
    for channel in ("sms", "email"):
        op.drop_column("contacts", f"{channel}_opted_out_at", schema="messaging")
        op.drop_column("contacts", f"marketing_{channel}", schema="messaging")
