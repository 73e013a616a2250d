"""defer events that wait for another one instead of holding their partition

A consumer that has waited a short while for an event that may sit behind the waiting one
on the same partition stores the waiting event in ``dead_letters`` with
``awaiting_until`` and retries it from there while the partition flows on.

Revision ID: a9d4f0c2e7b1
Revises: 7e2236a4f86a
Create Date: 2026-11-30 11:40:00
"""

from collections.abc import Sequence

from shared import migrations

revision: str = "a9d4f0c2e7b1"
down_revision: str | None = "7e2236a4f86a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    migrations.add_dead_letter_deferral("loyalty")


def downgrade() -> None:
    migrations.drop_dead_letter_deferral("loyalty")
