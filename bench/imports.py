"""``python -m bench.imports`` (``make bench-import``): how fast a CSV of N members imports,
and how long the outbox relay then takes to publish their registrations.

Generates the file (distinct mobile numbers, Chinese names, every fifth row with an email),
starts the embedded stack on free ports (or, with ``--running``, uses ``make up``'s), imports
the file as ``huiyuan import members`` does, and polls the customer outbox until every
event is published. Prints rows/s of the upload (staging) and of the whole import, and the
relay's lag after the import finished. docs/performance.md records the figures.
"""

from __future__ import annotations

import asyncio
import csv
import random
import tempfile
import time
from pathlib import Path
from typing import Annotated

import asyncpg
import typer

from bench.stack import Target, embedded_stack, libpq_url, running_stack
from huiyuan.imports import run_import
from shared.auth import issue_token

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


async def _unpublished(admin_url: str) -> int:
    connection = await asyncpg.connect(libpq_url(admin_url))
    try:
        count = await connection.fetchval(
            "SELECT count(*) FROM customer.outbox WHERE published_at IS NULL"
        )
        return int(count)
    finally:
        await connection.close()


def measure(target: Target, path: Path, members: int) -> None:
    token = issue_token(target.jwt_secret, subject="bench", role="service")
    started = time.perf_counter()
    job = run_import(target.urls["customer"], token, path, dry_run=False, charset="auto")
    imported_at = time.perf_counter()
    while asyncio.run(_unpublished(target.admin_url)):
        time.sleep(0.5)
    published_at = time.perf_counter()
    took = imported_at - started
    typer.echo(
        f"imported {job['imported']} of {members} rows ({job['failed']} failed, "
        f"{job['skipped']} skipped) in {took:.1f} s: {members / took:,.0f} rows/s"
    )
    typer.echo(
        f"relay: every registration published {published_at - imported_at:.1f} s after the "
        f"import finished ({published_at - started:.1f} s after the upload began)"
    )


@app.command()
def main(
    members: Annotated[int, typer.Option(min=1, help="Rows of the generated CSV")] = 100_000,
    running: Annotated[bool, typer.Option(help="Use the stack `make up` started")] = False,
    database_url: Annotated[str | None, typer.Option(envvar="DATABASE_URL")] = None,
    seed: Annotated[int, typer.Option()] = 15,
) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-import-") as scratch:
        path = Path(scratch) / "members.csv"
        write_csv(path, members, seed)
        typer.echo(f"{members} members, {path.stat().st_size / 2**20:.1f} MiB of CSV")
        if running:
            measure(running_stack(database_url), path, members)
            return
        with embedded_stack(Path(scratch) / "stack", typer.echo) as target:
            measure(target, path, members)


if __name__ == "__main__":
    app()
