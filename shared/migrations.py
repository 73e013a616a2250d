"""Alembic per service, each filtered to its own schema, and the shared tables' DDL.

A service's ``migrations/env.py`` is two lines: import its metadata and call
:func:`run_env`. The version table lives in the service's schema, and autogenerate
only ever looks at that schema, so one process that imports every service's models
never makes a migration touch another service's tables.

The tables every service keeps for the shared mechanisms (``outbox``, ``inbox``,
``dead_letters``, ``idempotency_keys``) are created and changed by the functions below,
which each service's revisions call with its schema. Each function is one released step
of those tables' history, so it never changes: data directories have already run it.
A change to the shared tables is a new step here (a function and its undo) and one
revision per service that calls it, as :func:`add_outbox_offsets` was.
"""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy import MetaData, pool
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

VERSION_TABLE = "alembic_version"


def _configure(connection: Connection, metadata: MetaData) -> None:
    schema = metadata.schema
    # connected as the service's role, whose search path starts at its schema, autogenerate
    # reflects that schema as the default one, named None (and Alembic's version table in
    # it as a table of the schema's, not its own)
    own = {schema, None} if connection.dialect.default_schema_name == schema else {schema}

    def include_name(name: str | None, type_: str, _parent: object) -> bool:
        if type_ == "schema":
            return name in own
        return not (type_ == "table" and name == VERSION_TABLE)

    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        version_table_schema=schema,
        include_schemas=True,
        include_name=include_name,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(metadata: MetaData) -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_async_engine(url, poolclass=pool.NullPool, hide_parameters=True)
    async with engine.connect() as connection:
        await connection.run_sync(_configure, metadata)
    await engine.dispose()


def run_env(metadata: MetaData) -> None:
    """The body of every service's ``migrations/env.py``."""
    if context.is_offline_mode():
        context.configure(
            url=context.config.get_main_option("sqlalchemy.url"),
            target_metadata=metadata,
            version_table_schema=metadata.schema,
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_online(metadata))


def create_outbox(schema: str) -> None:
    """``outbox`` as first released, without the broker offsets (:func:`add_outbox_offsets`)."""
    op.create_table(
        "outbox",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=128), nullable=False),
        sa.Column("topic", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("envelope", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("event_id"),
        schema=schema,
    )
    op.create_index(
        "ix_outbox_published_at", "outbox", ["published_at"], unique=False, schema=schema
    )
    op.create_index(
        "ix_outbox_unpublished",
        "outbox",
        ["seq"],
        unique=False,
        schema=schema,
        postgresql_where=sa.text("published_at IS NULL"),
    )


def drop_outbox(schema: str) -> None:
    op.drop_index(
        "ix_outbox_unpublished",
        table_name="outbox",
        schema=schema,
        postgresql_where=sa.text("published_at IS NULL"),
    )
    op.drop_index("ix_outbox_published_at", table_name="outbox", schema=schema)
    op.drop_table("outbox", schema=schema)


def add_outbox_offsets(schema: str) -> None:
    """Where the broker put each published row, so a relay notices a broker that lost it."""
    op.add_column("outbox", sa.Column("partition", sa.Integer(), nullable=True), schema=schema)
    op.add_column("outbox", sa.Column("offset", sa.BigInteger(), nullable=True), schema=schema)


def drop_outbox_offsets(schema: str) -> None:
    op.drop_column("outbox", "offset", schema=schema)
    op.drop_column("outbox", "partition", schema=schema)


def create_inbox(schema: str) -> None:
    """``inbox``: the ids of the events the service's consumers applied."""
    op.create_table(
        "inbox",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=128), nullable=False),
        sa.Column(
            "processed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("event_id"),
        schema=schema,
    )


def drop_inbox(schema: str) -> None:
    op.drop_table("inbox", schema=schema)


def create_dead_letters(schema: str) -> None:
    """``dead_letters``: the events the service's consumers parked, for an operator to replay."""
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=True),
        sa.Column("event_type", sa.String(length=128), nullable=True),
        sa.Column("topic", sa.String(length=128), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "parked_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("replayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        schema=schema,
    )


def drop_dead_letters(schema: str) -> None:
    op.drop_table("dead_letters", schema=schema)


def add_dead_letter_deferral(schema: str) -> None:
    """``dead_letters.awaiting_until``: set on an event deferred while it waits for another
    event (the consumer retries it until then); null on an ordinary dead letter."""
    op.add_column(
        "dead_letters",
        sa.Column("awaiting_until", sa.DateTime(timezone=True), nullable=True),
        schema=schema,
    )
    op.create_index(
        "ix_dead_letters_deferred",
        "dead_letters",
        ["id"],
        unique=False,
        schema=schema,
        postgresql_where=sa.text("awaiting_until IS NOT NULL AND replayed_at IS NULL"),
    )


def drop_dead_letter_deferral(schema: str) -> None:
    op.drop_index("ix_dead_letters_deferred", table_name="dead_letters", schema=schema)
    op.drop_column("dead_letters", "awaiting_until", schema=schema)


def create_idempotency_keys(schema: str) -> None:
    """``idempotency_keys``: each idempotent POST's stored answer, by caller scope and key."""
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", postgresql.JSON(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key"),
        schema=schema,
    )


def drop_idempotency_keys(schema: str) -> None:
    op.drop_table("idempotency_keys", schema=schema)


def create_product_categories(schema: str) -> None:
    """``product_categories``: the read model of ``shared.product_categories``."""
    op.create_table(
        "product_categories",
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("category_ancestors", postgresql.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("product_id"),
        schema=schema,
    )
    op.create_index(
        "ix_product_categories_sku", "product_categories", ["sku"], unique=False, schema=schema
    )


def drop_product_categories(schema: str) -> None:
    op.drop_table("product_categories", schema=schema)


def create_segment_copies(schema: str) -> None:
    """``segments`` and ``segment_members``: the copy of ``shared.segment_copies``."""
    op.create_table(
        "segments",
        sa.Column("segment_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("segment_id"),
        schema=schema,
    )
    op.create_table(
        "segment_members",
        sa.Column("segment_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("segment_id", "member_id"),
        schema=schema,
    )


def drop_segment_copies(schema: str) -> None:
    op.drop_table("segment_members", schema=schema)
    op.drop_table("segments", schema=schema)
