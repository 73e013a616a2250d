"""Where PostgreSQL's time goes during a step: ``pg_stat_statements`` (``--pg-statements``).

The embedded stack preloads the extension when asked (its restart for commit timestamps
takes it in), the statistics are reset as a step starts and read as it ends: each
normalised statement's calls and execution time, largest first, with every statement's
total beside them. Execution time is the server's own clock for running the statement
(planning is not tracked), so it includes waits for locks and I/O; on this benchmark's
cached data it is close to the backends' CPU. Every function takes a superuser's libpq
URL (``bench.stack.libpq_url``).
"""

from __future__ import annotations

import re
from typing import Any

import asyncpg

EXTENSION = "pg_stat_statements"
TOP = 15
_SPACES = re.compile(r"\s+")

_READ = """
SELECT query, calls, total_exec_time, rows
FROM pg_stat_statements
ORDER BY total_exec_time DESC
"""


async def _execute(dsn: str, statement: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def preload(dsn: str) -> None:
    """Has the server load the extension at its next start."""
    await _execute(dsn, f"ALTER SYSTEM SET shared_preload_libraries = '{EXTENSION}'")


async def install(dsn: str) -> None:
    """Creates the extension's view in the admin database (it sees every database)."""
    await _execute(dsn, f"CREATE EXTENSION IF NOT EXISTS {EXTENSION}")


async def reset(dsn: str) -> None:
    await _execute(dsn, "SELECT pg_stat_statements_reset()")


async def read(dsn: str, top: int = TOP) -> dict[str, Any]:
    """The ``top`` statements by execution time since the last reset, and the totals."""
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(_READ)
    finally:
        await connection.close()
    return {
        "calls": sum(row["calls"] for row in rows),
        "exec_ms": round(sum(row["total_exec_time"] for row in rows), 1),
        "top": [
            {
                "query": _SPACES.sub(" ", row["query"]).strip()[:240],
                "calls": row["calls"],
                "exec_ms": round(row["total_exec_time"], 1),
                "rows": row["rows"],
            }
            for row in rows[:top]
        ],
    }
