"""What the benchmark drives: the embedded stack it starts itself, or one already running.

The embedded stack is ``huiyuan up``'s (:class:`huiyuan.stack.LocalStack`) on free ports
under a scratch data directory, with PostgreSQL's ``track_commit_timestamp`` switched on
so end-to-end latencies are read from commit times.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import psutil
from sqlalchemy.engine import make_url

from bench import pg_statements as statements
from huiyuan.config import StackSettings
from huiyuan.devkeys import cli_signer
from huiyuan.embedded.ports import free_port
from huiyuan.embedded.postgres import running_admin_url
from huiyuan.provision import admin_async_url, migrate_all
from huiyuan.stack import LocalStack
from shared.jwks import TokenSigner

Say = Callable[[str], None]


@dataclass(frozen=True)
class Target:
    urls: dict[str, str]
    admin_url: str  # a superuser URL (SQLAlchemy form): setup, measurement and pgbench
    signer: TokenSigner  # the customer service's key ring in the stack's data directory
    processes: dict[str, int]  # name -> pid, for CPU accounting
    database_urls: dict[str, str]  # each service's own URL, where known
    embedded: bool


def libpq_url(url: str, database: str | None = None) -> str:
    """``url`` as libpq (psql, pgbench, asyncpg) spells it, optionally for another database."""
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def _enable_commit_timestamps(admin_url: str) -> None:
    connection = await asyncpg.connect(libpq_url(admin_url))
    try:
        await connection.execute("ALTER SYSTEM SET track_commit_timestamp = on")
    finally:
        await connection.close()


@contextlib.contextmanager
def embedded_stack(data_dir: Path, say: Say, *, pg_statements: bool = False) -> Iterator[Target]:
    """Starts PostgreSQL, the broker and the services on free ports; stops them after.
    With ``pg_statements``, PostgreSQL runs with ``pg_stat_statements`` (bench.pg_statements)."""
    settings = StackSettings(
        data_dir=data_dir,
        customer_port=free_port(),
        orders_port=free_port(),
        loyalty_port=free_port(),
        messaging_port=free_port(),
        analytics_port=free_port(),
        broker_port=free_port(),
        smtp_port=free_port(),
        inbox_port=free_port(),
    )
    stack = LocalStack(settings, say)
    try:
        admin_url = stack.start_database()
        if stack.postgres is not None:  # commit timestamps need a restart to take effect
            asyncio.run(_enable_commit_timestamps(admin_url))
            if pg_statements:
                asyncio.run(statements.preload(libpq_url(admin_url)))
            stack.postgres.stop()
            admin_url = stack.postgres.start()
            if pg_statements:
                asyncio.run(statements.install(libpq_url(admin_url)))
        bootstrap = stack.start_broker()
        say("Migrating the five schemas...")
        database_urls = migrate_all(admin_url)
        stack.start_children(database_urls, bootstrap)
        stack.wait_until_ready()
        processes = {c.name: c.process.pid for c in stack.children if c.process is not None}
        if stack.postgres is not None and stack.postgres.pid is not None:
            processes["postgres"] = stack.postgres.pid
        if stack.broker is not None and stack.broker.pid is not None:
            processes["broker"] = stack.broker.pid
        yield Target(
            urls=settings.urls,
            admin_url=admin_url,
            signer=cli_signer(settings),
            processes=processes,
            database_urls=database_urls,
            embedded=True,
        )
    finally:
        stack.stop()


def running_stack(database_url: str | None) -> Target:
    """A stack started elsewhere (``make up``), found the way the ``huiyuan`` command finds it:
    ``HUIYUAN_*`` ports and host. The database is ``database_url`` (a superuser URL) or the
    embedded server running under the data directory."""
    settings = StackSettings()
    admin_url = (
        admin_async_url(database_url) if database_url else running_admin_url(settings.pg_dir)
    )
    if admin_url is None:
        raise RuntimeError(
            f"no PostgreSQL is running under {settings.pg_dir}; give a superuser URL with "
            "--database-url (or DATABASE_URL)"
        )
    ports = {name: urlsplit(url).port for name, url in settings.urls.items()}
    ports["broker"] = settings.broker_port
    database = make_url(admin_url)
    if database.port is not None:
        ports["postgres"] = database.port
    processes = _listening(ports)
    if database_url is None and (pid := _postmaster_pid(settings.pg_dir)) is not None:
        processes["postgres"] = pid
    return Target(
        urls=settings.urls,
        admin_url=admin_url,
        signer=cli_signer(settings),
        processes=processes,
        database_urls={},
        embedded=False,
    )


def _postmaster_pid(pg_dir: Path) -> int | None:
    pid_file = pg_dir / "postmaster.pid"
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int(pid_file.read_text().splitlines()[0])
    return None


def _listening(ports: dict[str, int | None]) -> dict[str, int]:
    """Which local process listens on each port (best effort: needs the right to see it)."""
    by_port = {port: name for name, port in ports.items() if port is not None}
    found: dict[str, int] = {}
    with contextlib.suppress(psutil.AccessDenied):
        for connection in psutil.net_connections(kind="tcp"):
            if connection.status == psutil.CONN_LISTEN and connection.pid is not None:
                name = by_port.get(connection.laddr.port)
                if name is not None:
                    found[name] = connection.pid
    return found
