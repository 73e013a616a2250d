"""The machine's own yardstick: pgbench's TPC-B-like run on the same PostgreSQL, right
before the load. Absolute rates drift between runs on shared machines; the ratio of our
end-to-end purchases per second to pgbench's transactions per second is what we track."""

from __future__ import annotations

import asyncio
import re
import subprocess
import time
from dataclasses import asdict, dataclass
from typing import Any

import asyncpg

from bench.stack import libpq_url
from huiyuan.embedded.postgres import BIN_DIR

PGBENCH = BIN_DIR / "pgbench"
_TPS = re.compile(r"^tps = ([0-9.]+) \(without initial connection time\)", re.MULTILINE)


@dataclass(frozen=True)
class PgbenchResult:
    tps: float
    clients: int
    threads: int
    seconds: int
    scale: int
    command: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_tps(output: str) -> float:
    match = _TPS.search(output)
    if match is None:
        raise ValueError(f"no 'tps = … (without initial connection time)' line in:\n{output}")
    return float(match.group(1))


def ratio(purchases_per_second: float, pgbench_tps: float) -> float | None:
    """End-to-end purchases per second ÷ pgbench TPS, or ``None`` without a yardstick."""
    if pgbench_tps <= 0:
        return None
    return round(purchases_per_second / pgbench_tps, 4)


async def _admin(admin_url: str, statement: str) -> None:
    connection = await asyncpg.connect(libpq_url(admin_url))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def run_pgbench(
    admin_url: str, *, seconds: int, clients: int = 8, threads: int = 2, scale: int = 1
) -> PgbenchResult:
    """Initialises a scratch database, runs TPC-B-like for ``seconds`` and drops it."""
    database = f"bench_pgbench_{int(time.time())}"
    asyncio.run(_admin(admin_url, f'CREATE DATABASE "{database}"'))
    url = libpq_url(admin_url, database)
    try:
        subprocess.run(
            [str(PGBENCH), "-i", "-q", "-s", str(scale), url],
            check=True,
            capture_output=True,
            text=True,
        )
        command = [
            str(PGBENCH), "-c", str(clients), "-j", str(threads), "-T", str(seconds), url,
        ]  # fmt: skip
        run = subprocess.run(command, check=True, capture_output=True, text=True)
    finally:
        asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    shown = " ".join(["pgbench", *command[1:-1], "<scratch database>"])
    return PgbenchResult(parse_tps(run.stdout), clients, threads, seconds, scale, shown)
