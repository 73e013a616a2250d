"""tags' and categories' name keys hold what a name of 40 characters normalises to

``name_key`` (NFKC, case-folded) was ``varchar(40)``, the name's own bound, but the form can
be longer than the name: NFKC writes ``½`` as ``1⁄2`` and case folding ``ß`` as ``ss``, so a
valid 40-character name answered 500 (the fuzz found it on ``POST /categories``). The keys
become ``text``; the names keep their 40 characters.

The downgrade puts ``varchar(40)`` back; it fails if a key longer than that was stored
meanwhile, rather than cut it (a cut key could collide with a sibling's).

Revision ID: b2d4f6a8c0e1
Revises: 6ec37cf8f0f5
Create Date: 2026-12-02 10:35:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b2d4f6a8c0e1"
down_revision: str | None = "6ec37cf8f0f5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("tags", "categories")


def upgrade() -> None:
    for table in _TABLES:
        op.alter_column(
            table, "name_key", type_=sa.Text(), existing_type=sa.String(40), schema="customer"
        )


def downgrade() -> None:
    for table in _TABLES:
        op.alter_column(
            table, "name_key", type_=sa.String(40), existing_type=sa.Text(), schema="customer"
        )
