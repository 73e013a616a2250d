from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from huiyuan.provision import SERVICES, role_name
from tests.stack import Stack


def _dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def test_a_service_role_cannot_touch_another_schema(stack: Stack) -> None:
    connection = await asyncpg.connect(_dsn(stack.database_urls["customer"]))
    try:
        assert await connection.fetchval("SELECT count(*) FROM customer.members") >= 0
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.fetch("SELECT * FROM orders.purchases LIMIT 1")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.execute("CREATE TABLE orders.intruder (id int)")
    finally:
        await connection.close()


async def test_migrate_provisions_a_database_named_by_database_url(stack: Stack) -> None:
    database = f"migrate_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_dsn(stack.admin_url))
    await admin.execute(f'CREATE DATABASE "{database}"')
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUIYUAN_")}
        env["DATABASE_URL"] = _dsn(stack.admin_url, database=database)
        result = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "huiyuan.cli", "migrate"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "using DATABASE_URL" in result.stdout
        migrated = await asyncpg.connect(_dsn(stack.admin_url, database=database))
        try:
            owners = dict(
                await migrated.fetch(
                    "SELECT nspname, pg_get_userbyid(nspowner) FROM pg_namespace "
                    "WHERE nspname = ANY($1::text[])",
                    list(SERVICES),
                )
            )
            versions = [
                await migrated.fetchval(f"SELECT version_num FROM {service}.alembic_version")
                for service in SERVICES
            ]
        finally:
            await migrated.close()
        assert owners == {service: role_name(service) for service in SERVICES}
        assert all(versions)
    finally:
        await admin.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
        await admin.close()
