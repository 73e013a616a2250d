"""customer's retained outbox rows lose the contact data events no longer carry

Events carry ids only from this release on (``shared.events.customer``): registrations no
longer carry name, phone, email, birthday or gender, profile updates no ``*_encrypted``
values nor (the E.164 upgrade's) a phone in clear. The outbox rows customer retains
(``outbox_retention_hours`` after publishing) still hold them in their envelope's
``data``: this revision removes those fields from every such row of
``customer.member.registered`` and ``customer.member.updated``, published or not (a row
the previous release left unpublished goes out without them; its consumers read the
contact from customer). The broker's copies of the events already published cannot be
edited: they age out with the topics' retention.

The downgrade leaves the rows as they are: the values removed are not kept anywhere to
put back.

Revision ID: 6ec37cf8f0f5
Revises: 9fedb8c50f18
Create Date: 2026-12-01 07:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "6ec37cf8f0f5"
down_revision: str | None = "9fedb8c50f18"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERSONAL = (
    "name",
    "phone",
    "email",
    "birthday",
    "gender",
    "address",
    "name_encrypted",
    "phone_encrypted",
    "email_encrypted",
    "birthday_encrypted",
)
"""The fields removed from the events' ``data``."""


def upgrade() -> None:
    removed = ", ".join(f"'{field}'" for field in PERSONAL)
    op.execute(
        "UPDATE customer.outbox "
        "SET envelope = jsonb_set(envelope, '{data}', (envelope -> 'data') - "
        f"ARRAY[{removed}]::text[]) "
        "WHERE event_type IN ('customer.member.registered', 'customer.member.updated') "
        "AND jsonb_typeof(envelope -> 'data') = 'object'"
    )


def downgrade() -> None:
    pass
