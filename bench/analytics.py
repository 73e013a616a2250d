"""``python -m bench.analytics`` (``make bench-analytics``): analytics' reads at scale.

Starts an embedded PostgreSQL of its own, provisions and migrates the analytics schema
into a scratch database, generates N members and M purchases in it set-based
(:mod:`bench.analytics_data`), then times each read through its use case (the queries and
the rules: everything but HTTP and JSON): the KPIs, a cohort's KPIs, RFM, quadrants, the
80/20 view, sleeping members, churn warnings and pages of the segmentation's members.

Each read is timed **cold** (its first run after a PostgreSQL restart: shared buffers
empty; the operating system's page cache is not dropped) and **warm** (the median of
``--runs`` runs after that), by the wall clock and by the CPU time of the server process
that ran it (from ``/proc``): on a machine shared with other work the wall clock stretches
with the load, the CPU time much less. ``--data-dir`` keeps the generated database between runs
(generated when the directory is empty). docs/performance.md has the figures.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import asyncpg
import typer
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bench.analytics_data import generate
from huiyuan.embedded.postgres import EmbeddedPostgres
from huiyuan.provision import provision_service, service_database_url, upgrade
from services.analytics.cohorts import service as cohorts
from services.analytics.cohorts.schemas import CampaignBuyers, CohortKpisIn
from services.analytics.kpis import service as kpis
from services.analytics.segmentation import service as segmentation
from shared.db import AsyncSession, asyncpg_dsn, create_sessions

DATABASE = "analytics_bench"
ZONE = ZoneInfo("Asia/Shanghai")
TARGET_MS = 1000.0
Read = Callable[[AsyncSession], Awaitable[Any]]


def _filters(**chosen: Any) -> segmentation.MemberFilters:
    given: dict[str, Any] = {
        "bins": 5, "value_cut": None, "repeat_cut": None, "months": 6, "churn": "overdue",
        "churn_parameter": None, "scores": {}, "quadrant": None, "sleeping": None,
        "churn_risk": None,
    }  # fmt: skip
    return segmentation.MemberFilters(**(given | chosen))


def _campaign() -> CohortKpisIn:
    """Last week's campaign (a week ending a week ago), its buyers as the cohort."""
    today = datetime.now(UTC).astimezone(ZONE).date()
    return CohortKpisIn(
        cohort=CampaignBuyers(kind="campaign_buyers"),
        first_day=today - timedelta(days=14),
        last_day=today - timedelta(days=8),
    )


READS: dict[str, Read] = {
    "kpis (30-day window)": lambda s: kpis.kpis(s, 30),
    "cohort kpis (a week's buyers)": lambda s: cohorts.cohort_kpis(s, _campaign(), ZONE),
    "rfm (quintiles)": lambda s: segmentation.rfm_report(s, ZONE, 5),
    "quadrants (median cuts)": lambda s: segmentation.quadrant_report(s, ZONE, None, None),
    "pareto (top 20 %, step 10)": lambda s: segmentation.pareto_report(s, ZONE, 20, 10),
    "sleeping (6 months)": lambda s: segmentation.sleeping_report(s, ZONE, 6),
    "churn warnings (overdue)": lambda s: segmentation.churn_report(s, ZONE, "overdue", None),
    "members page (100, any)": lambda s: segmentation.member_page(s, ZONE, _filters(), None, 100),
    "members page (100, r=5 gold)": lambda s: segmentation.member_page(
        s, ZONE, _filters(scores={"r": 5}, quadrant="gold"), None, 100
    ),
    "members page (100, churn risk)": lambda s: segmentation.member_page(
        s, ZONE, _filters(churn_risk=True), None, 100
    ),
}


def _cpu_ms(pid: int) -> float:
    """CPU time (user + system, ms) a process has used, from ``/proc``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Timing:
    """One run of a read: wall time and the server backend's CPU time, in ms."""

    wall_ms: float
    cpu_ms: float


async def _time(url: str, read: Read, runs: int) -> list[Timing]:
    """The read's timings on one connection: the first, then ``runs`` more. The backend's
    CPU time does not depend on what else the machine runs (parallel workers' would not
    be counted: the plans of these reads use none)."""
    engine = create_async_engine(url, pool_size=1)
    sessions = create_sessions(engine)
    timings = []
    try:
        async with sessions() as session:
            backend = int(await session.scalar(text("SELECT pg_backend_pid()")) or 0)
        for _ in range(runs + 1):
            started, cpu = time.perf_counter(), _cpu_ms(backend)
            async with sessions() as session:
                await read(session)
            timings.append(Timing((time.perf_counter() - started) * 1000, _cpu_ms(backend) - cpu))
    finally:
        await engine.dispose()
    return timings


async def _prepare(admin_url: str, members: int, purchases: int, say: Callable[[str], None]) -> str:
    database = make_url(admin_url).set(database=DATABASE).render_as_string(False)
    url = service_database_url(database, "analytics", password=None)
    admin = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        reuse = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE)
        if not reuse:
            await admin.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        await admin.close()
    if reuse:
        say("Reusing the generated database (migrated to this code's head)")
        await asyncio.to_thread(upgrade, "analytics", url)
        return url
    await provision_service(database, "analytics", password=None)
    await asyncio.to_thread(upgrade, "analytics", url)
    started = time.monotonic()
    await generate(asyncpg_dsn(database), members, purchases)
    say(
        f"Generated {members:,} members and {purchases:,} purchases in "
        f"{time.monotonic() - started:.0f} s"
    )
    return url


def main(
    members: Annotated[int, typer.Option(min=1000, help="Members to generate")] = 1_000_000,
    purchases: Annotated[int, typer.Option(min=1000, help="Purchases to generate")] = 10_000_000,
    runs: Annotated[int, typer.Option(min=1, help="Warm runs of each read")] = 5,
    data_dir: Annotated[
        Path | None, typer.Option(help="Keep the database here between runs (else scratch)")
    ] = None,
    only: Annotated[str, typer.Option(help="Time only the reads whose name has this")] = "",
) -> None:
    """Generates the data and prints each read's cold and warm (median) time in ms."""
    scratch = None if data_dir else Path(tempfile.mkdtemp(prefix="huiyuan-bench-analytics-"))
    postgres = EmbeddedPostgres((data_dir or scratch or Path()) / "postgres")
    figures = []
    try:
        url = asyncio.run(_prepare(postgres.start(), members, purchases, typer.echo))
        for name, read in READS.items():
            if only not in name:
                continue
            postgres.restart("fast")
            timings = asyncio.run(_time(url, read, runs))
            after = timings[1:]
            figures.append((
                name, timings[0].wall_ms, statistics.median(t.wall_ms for t in after),
                timings[0].cpu_ms, statistics.median(t.cpu_ms for t in after),
            ))  # fmt: skip
            typer.echo("  {}: cold {:.0f} ms, warm {:.0f} ms (CPU {:.0f}, {:.0f})".format(
                *figures[-1]
            ))  # fmt: skip
    finally:
        postgres.stop()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
    typer.echo(f"\n{members:,} members, {purchases:,} purchases; warm = median of {runs} runs")
    typer.echo(f"(load average at the end: {load} on {os.cpu_count()} cores)")
    typer.echo(f"{'read':32} {'cold ms':>8} {'warm ms':>8} {'cold CPU':>9} {'warm CPU':>9}")
    for name, cold, warm, cold_cpu, warm_cpu in figures:
        flag = "" if warm_cpu <= TARGET_MS else f"  (over {TARGET_MS:.0f} ms of CPU)"
        typer.echo(f"{name:32} {cold:8.0f} {warm:8.0f} {cold_cpu:9.0f} {warm_cpu:9.0f}{flag}")


if __name__ == "__main__":
    typer.run(main)
