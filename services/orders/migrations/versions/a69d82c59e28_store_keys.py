"""store keys: several per store, rotation, revocation, expiry, last use

Each store's one ``stores.api_key_hash`` moves into ``store_keys`` (one row per key: its
SHA-256, created, expires, revoked, last used). A moved key gets a random 16-hex ``id``
and keeps working as it is (keys are looked up by hash); keys issued from now on carry
their id (``hy_<id>_<secret>``).

Downgrading puts back, per store, the hash of its newest key that is neither revoked nor
expired (a store without one gets a hash no key has: it is locked out, as revoked).

Revision ID: a69d82c59e28
Revises: e7a2c4f9b1d3
Create Date: 2026-12-01 03:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a69d82c59e28"
down_revision: str | None = "e7a2c4f9b1d3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "store_keys",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["store_id"], ["orders.stores.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
        schema="orders",
    )
    op.create_index(
        op.f("ix_orders_store_keys_store_id"), "store_keys", ["store_id"], schema="orders"
    )
    op.execute(
        "INSERT INTO orders.store_keys (id, store_id, key_hash, created_at) "
        "SELECT substr(md5(random()::text || id::text), 1, 16), id, api_key_hash, created_at "
        "FROM orders.stores"
    )
    op.drop_column("stores", "api_key_hash", schema="orders")


def downgrade() -> None:
    op.add_column(
        "stores", sa.Column("api_key_hash", sa.String(length=64), nullable=True), schema="orders"
    )
    op.execute(
        "UPDATE orders.stores s SET api_key_hash = coalesce(("
        " SELECT k.key_hash FROM orders.store_keys k WHERE k.store_id = s.id"
        " AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())"
        " ORDER BY k.created_at DESC LIMIT 1),"
        " md5(random()::text) || md5(random()::text))"
    )
    op.alter_column("stores", "api_key_hash", nullable=False, schema="orders")
    op.create_unique_constraint(
        "stores_api_key_hash_key", "stores", ["api_key_hash"], schema="orders"
    )
    op.drop_index(op.f("ix_orders_store_keys_store_id"), table_name="store_keys", schema="orders")
    op.drop_table("store_keys", schema="orders")
