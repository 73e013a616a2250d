"""``huiyuan audit``: one member's (or one staff user's) audit trail across the services.

Each service keeps its own ``audit_log`` (``shared.audit``); this command reads every
service's, connecting as that service's own role (``<SERVICE>_DB_PASSWORD``) as
``huiyuan dlq`` does, and merges the rows by time. It only reads: the roles may insert
and read audit rows, and a trigger refuses to change them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import MetaData

from huiyuan.provision import SERVICES, role_password, service_database_url
from shared.audit.log import AuditLog, Filters
from shared.db import create_engine, create_sessions
from shared.settings import BaseServiceSettings

Row = tuple[str, dict[str, object]]
"""A service's name and one of its audit rows."""


async def _rows(admin_url: str, service: str, filters: Filters, limit: int) -> list[Row]:
    url = service_database_url(admin_url, service, role_password(service))
    engine = create_engine(BaseServiceSettings(database_url=url, db_pool_size=1))
    try:
        async with create_sessions(engine)() as session:
            log = AuditLog(MetaData(schema=service))
            rows = await log.page(session, filters, before=None, limit=limit)
    finally:
        await engine.dispose()
    return [(service, row) for row in rows]


def trail(admin_url: str, filters: Filters, limit: int) -> list[Row]:
    """Every service's newest ``limit`` rows matching ``filters``, newest first."""
    found: list[Row] = []
    for service in SERVICES:
        found.extend(asyncio.run(_rows(admin_url, service, filters, limit)))
    return sorted(found, key=lambda row: _at(row[1]), reverse=True)


def _at(row: dict[str, object]) -> datetime:
    at = row["at"]
    assert isinstance(at, datetime)
    return at


def format_table(rows: Sequence[Row]) -> str:
    if not rows:
        return "No audit rows."
    header = ("AT", "SERVICE", "KIND", "ACTOR", "ROLE", "MEMBER", "CLIENT", "OPERATION")
    lines = [
        (
            _at(row).astimezone().isoformat(sep=" ", timespec="seconds"),
            service,
            str(row["kind"]),
            str(row["actor"]),
            str(row["actor_role"] or ""),
            str(row["member_id"] or ""),
            str(row["client"] or ""),
            f"{row['operation']} ({row['method']} {row['route']})",
        )
        for service, row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header) - 1)]
    return "\n".join(
        "  ".join(
            [*(cell.ljust(width) for cell, width in zip(line[:-1], widths, strict=True)), line[-1]]
        )
        for line in [header, *lines]
    )
