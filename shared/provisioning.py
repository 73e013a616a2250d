"""One schema and one login role per service, with rights on its own schema only."""

from __future__ import annotations

import asyncpg
from sqlalchemy.engine import URL, make_url

SERVICES: tuple[str, ...] = ("customer", "orders", "loyalty", "messaging", "analytics")


def role_name(service: str) -> str:
    return f"huiyuan_{service}"


def service_database_url(admin_url: str, service: str, password: str | None) -> str:
    """The admin URL with the service's role as user, in SQLAlchemy's asyncpg form."""
    url: URL = make_url(admin_url).set(
        drivername="postgresql+asyncpg", username=role_name(service), password=password
    )
    return url.render_as_string(hide_password=False)


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


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
            database = await connection.fetchval("SELECT current_database()")
            await connection.execute(
                f"GRANT CONNECT ON DATABASE {_quote_ident(database)} TO {role}"
            )
    finally:
        await connection.close()
