"""``python -m bench.imports`` (``make bench-import``): how fast a CSV of N members imports,
and how long the rest of the system then takes to catch up.

Generates the file (distinct mobile numbers, Chinese names, every fifth row with an email),
starts the embedded stack on free ports (or, with ``--running``, uses ``make up``'s), imports
the file as ``huiyuan import members`` does, then polls the customer outbox until every
registration is published and each consumer's inbox until it has applied them all. Prints
the import's rows/s (upload, staging and the job), the CPU seconds each process spent
during it, the catch-up times and the load average. docs/performance.md records the figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import os
import random
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import asyncpg
import typer

from bench import cpu
from bench.stack import Target, embedded_stack, libpq_url, running_stack
from huiyuan.imports import run_import
from shared.tokens import issue_token

app = typer.Typer(add_completion=False)
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"


def write_csv(path: Path, members: int, seed: int) -> None:
    """``members`` rows with distinct mainland mobile numbers (139 + 8 digits)."""
    draw = random.Random(seed)
    numbers = draw.sample(range(10**8), members)
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["name", "phone", "email", "gender", "consent_sms"])
        for i, number in enumerate(numbers):
            name = draw.choice(_SURNAMES) + draw.choice(_GIVEN) + draw.choice(_GIVEN)
            email = f"m{i}@example.com" if i % 5 == 0 else ""
            gender = ("female", "male", "")[i % 3]
            writer.writerow([name, f"139{number:08d}", email, gender, "true" if i % 2 else ""])


_CONSUMERS = ("orders", "loyalty", "messaging", "analytics")


async def _backlog(admin_url: str) -> dict[str, int]:
    """The customer outbox's unpublished rows, and each consumer's count of registrations
    applied (its inbox rows of ``customer.member.registered``)."""
    connection = await asyncpg.connect(libpq_url(admin_url))
    try:
        counts = {
            "outbox": await connection.fetchval(
                "SELECT count(*) FROM customer.outbox WHERE published_at IS NULL"
            )
        }
        for schema in _CONSUMERS:
            counts[schema] = await connection.fetchval(
                f"SELECT count(*) FROM {schema}.inbox "
                "WHERE event_type = 'customer.member.registered'"
            )
        return {name: int(count) for name, count in counts.items()}
    finally:
        await connection.close()


def _caught_up(
    target: Target, before: dict[str, int], imported: int, limit: float
) -> dict[str, tuple[float, int, int]]:
    """Polls until the relay has published every registration and each consumer has
    applied them, or ``limit`` seconds have passed: per name, the seconds it took (or
    ``limit``), how many it had applied when the import finished, and how many then."""
    started = time.perf_counter()
    first: dict[str, int] = {}
    at: dict[str, tuple[float, int, int]] = {}
    while True:
        counts = asyncio.run(_backlog(target.admin_url))
        now = time.perf_counter() - started
        applied = {"outbox": imported - counts["outbox"]}
        applied |= {c: counts[c] - before[c] for c in _CONSUMERS}
        first = first or applied
        at |= {n: (now, first[n], a) for n, a in applied.items() if n not in at and a >= imported}
        if len(at) == len(applied) or now >= limit:
            return {n: at.get(n, (now, first[n], a)) for n, a in applied.items()}
        time.sleep(0.5)


@contextlib.contextmanager
def _paused(target: Target, pause: bool) -> Iterator[None]:
    """With ``pause``, the four consumers' processes stopped (SIGSTOP) until the block ends,
    as if they ran on other machines: the import then has the cores to itself."""
    pids = [target.processes[name] for name in _CONSUMERS if pause and name in target.processes]
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


def measure(target: Target, path: Path, members: int, catch_up: float, pause: bool) -> None:
    token = issue_token(target.signer, subject="bench", role="service")
    before = asyncio.run(_backlog(target.admin_url))
    cpu_before = cpu.snapshot(target.processes)
    started = time.perf_counter()
    with _paused(target, pause):
        job = run_import(target.urls["customer"], token, path, dry_run=False, charset="auto")
    took = time.perf_counter() - started
    cpu_used = cpu.usage(cpu_before, cpu.snapshot(target.processes), took)
    typer.echo(
        f"imported {job['imported']} of {members} rows ({job['failed']} failed, "
        f"{job['skipped']} skipped) in {took:.1f} s: {members / took:,.0f} rows/s"
    )
    imported = int(job["imported"])
    typer.echo(
        "CPU seconds during the import: "
        + ", ".join(f"{name} {used['cpu_seconds']:.0f}" for name, used in cpu_used.items())
    )
    for name, (seconds, first, applied) in _caught_up(target, before, imported, catch_up).items():
        what = "relay published" if name == "outbox" else f"{name} applied"
        line = f"{what} {applied} of {imported} registrations {seconds:.1f} s after the import"
        if applied < imported:
            rate = (applied - first) / seconds
            rest = f"~{(imported - applied) / rate:,.0f} s more" if rate else "no progress"
            line += f" ({first} when it finished; {rate:,.0f}/s since: {rest})"
        typer.echo(line)
    typer.echo(f"load average (1, 5, 15 min): {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


@app.command()
def main(
    members: Annotated[int, typer.Option(min=1, help="Rows of the generated CSV")] = 100_000,
    running: Annotated[bool, typer.Option(help="Use the stack `make up` started")] = False,
    database_url: Annotated[str | None, typer.Option(envvar="DATABASE_URL")] = None,
    seed: Annotated[int, typer.Option()] = 15,
    catch_up: Annotated[
        float, typer.Option(help="Seconds to follow the consumers after the import")
    ] = 600,
    pause_consumers: Annotated[
        bool,
        typer.Option(
            help="Stop the four consumers during the import (as on other machines) and "
            "let them catch up after it"
        ),
    ] = False,
) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-import-") as scratch:
        path = Path(scratch) / "members.csv"
        write_csv(path, members, seed)
        typer.echo(f"{members} members, {path.stat().st_size / 2**20:.1f} MiB of CSV")
        if running:
            measure(running_stack(database_url), path, members, catch_up, pause_consumers)
            return
        with embedded_stack(Path(scratch) / "stack", typer.echo) as target:
            measure(target, path, members, catch_up, pause_consumers)


if __name__ == "__main__":
    app()
