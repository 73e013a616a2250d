"""the draw campaigns and the categories' ancestors kept across batches: version tokens

Two more reads of every purchase batch kept in process memory the way the program's are
(``shared.kept``), each under a ``kept_versions`` row of its own, so that a write of one
keeps the others: ``draw_campaigns`` gets a new token from any write of
``lottery_campaigns``, ``category_ancestors`` from any product inserted into
``product_categories`` or whose category or ancestors change (not from a price's change,
which orders also announces: an upsert that changes neither keeps the token). A batch reads
both tokens with the program's lock.

Revision ID: a9c4020d0cca
Revises: c5a1e7d3b9f2
Create Date: 2026-12-02 03:00:00
"""

from collections.abc import Sequence

from alembic import op

from shared.kept import (
    bump_on_change_ddl,
    drop_bump_on_change_ddl,
    drop_kept_version_rows_ddl,
    kept_version_rows_ddl,
)

revision: str = "a9c4020d0cca"
down_revision: str | None = "c5a1e7d3b9f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "loyalty"
NAMES = ("draw_campaigns", "category_ancestors")


def _triggers() -> list[str]:
    return [
        *bump_on_change_ddl(S, "lottery_campaigns", "draw_campaigns"),
        *bump_on_change_ddl(
            S,
            "product_categories",
            "category_ancestors",
            columns=("category", "category_ancestors"),
            rows=True,
            inserted_rows=True,
        ),
    ]


def upgrade() -> None:
    for statement in [*kept_version_rows_ddl(S, NAMES), *_triggers()]:
        op.execute(statement)


def downgrade() -> None:
    for statement in [
        *drop_bump_on_change_ddl(S, "product_categories", "category_ancestors"),
        *drop_bump_on_change_ddl(S, "lottery_campaigns", "draw_campaigns"),
        *drop_kept_version_rows_ddl(S, NAMES),
    ]:
        op.execute(statement)
