"""Prepares the database: one schema and login role per service, then its migrations.

Each service's role has rights on its own schema only. Its Alembic migrations live in
``services/<service>/migrations`` and keep their version table in that schema.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import URL, make_url

SERVICES: tuple[str, ...] = ("customer", "orders", "loyalty", "messaging", "analytics")
SERVICES_ROOT = Path(__file__).resolve().parent.parent / "services"


def role_name(service: str) -> str:
    return f"huiyuan_{service}"


def service_database_url(admin_url: str, service: str, password: str | None) -> str:
    """The admin URL with the service's role as user, in SQLAlchemy's asyncpg form."""
    url: URL = make_url(admin_url).set(
        drivername="postgresql+asyncpg", username=role_name(service), password=password
    )
    return url.render_as_string(hide_password=False)


def admin_async_url(database_url: str) -> str:
    """Accept ``postgresql://`` URLs as people write them; SQLAlchemy needs the driver named."""
    return (
        make_url(database_url)
        .set(drivername="postgresql+asyncpg")
        .render_as_string(hide_password=False)
    )


def role_password(service: str) -> str | None:
    """``<SERVICE>_DB_PASSWORD``; unset means a password-less role (the embedded default)."""
    return os.environ.get(f"{service.upper()}_DB_PASSWORD") or None


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


EXTENSIONS: dict[str, tuple[str, ...]] = {"customer": ("pg_trgm",)}
"""Extensions a service's migrations need, created in its schema by provisioning: customer's
member search indexes names by trigram (``gin_trgm_ops``)."""


def _quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


async def provision_service(admin_url: str, service: str, password: str | None) -> None:
    """Create (or update) the service's role and schema. Safe to run again."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}")
    role = _quote_ident(role_name(service))
    schema = _quote_ident(service)
    dsn = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        async with connection.transaction():
            # Serialises concurrent provisioning (CREATE ROLE has no IF NOT EXISTS).
            await connection.execute("SELECT pg_advisory_xact_lock(7242917)")
            exists = await connection.fetchval(
                "SELECT 1 FROM pg_roles WHERE rolname = $1", role_name(service)
            )
            verb = "ALTER" if exists else "CREATE"
            login = f"LOGIN PASSWORD {_quote_literal(password)}" if password else "LOGIN"
            await connection.execute(f"{verb} ROLE {role} {login}")
            await connection.execute(f"CREATE SCHEMA IF NOT EXISTS {schema} AUTHORIZATION {role}")
            await connection.execute(f"ALTER ROLE {role} SET search_path = {schema}")
            await connection.execute(f"REVOKE ALL ON SCHEMA public FROM {role}")
            for extension in EXTENSIONS.get(service, ()):
                # the role may not create extensions; its schema holds their operators
                await connection.execute(
                    f"CREATE EXTENSION IF NOT EXISTS {extension} WITH SCHEMA {schema}"
                )
            database = await connection.fetchval("SELECT current_database()")
            await connection.execute(
                f"GRANT CONNECT ON DATABASE {_quote_ident(database)} TO {role}"
            )
    finally:
        await connection.close()


def alembic_config(service: str, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SERVICES_ROOT / service / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(service: str, database_url: str, revision: str = "head") -> None:
    """Apply the service's migrations (blocking; run it in a thread from async code)."""
    command.upgrade(alembic_config(service, database_url), revision)


def autogenerate(service: str, database_url: str, message: str) -> None:
    """Write a new revision from the difference between the models and the database."""
    command.revision(alembic_config(service, database_url), message=message, autogenerate=True)


def migrate_all(admin_url: str) -> dict[str, str]:
    """Provision and migrate every service; returns each service's own database URL."""
    urls: dict[str, str] = {}
    for service in SERVICES:
        password = role_password(service)
        asyncio.run(provision_service(admin_url, service, password))
        urls[service] = service_database_url(admin_url, service, password)
        upgrade(service, urls[service])
    return urls
