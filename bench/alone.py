"""One service on a scratch PostgreSQL (and a broker) of its own, for the micro-benchmarks
that time one path side by side with another version of the code: ``bench.sale_cost``,
``bench.validate_cost``, ``bench.read_cost``, ``bench.earn_batch``, ``bench.catalog_lookup``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from huiyuan.embedded.broker import EmbeddedBroker
from huiyuan.embedded.ports import free_port
from huiyuan.embedded.postgres import EmbeddedPostgres
from huiyuan.provision import provision_service, service_database_url, upgrade
from shared.consumer import EventConsumer
from shared.db import Sessions
from shared.events import CloudEvent
from shared.testing.records import consumer_record

READY_SECONDS = 60


@dataclass(frozen=True)
class Scratch:
    """A temporary directory and a PostgreSQL in it, with one service's schema migrated."""

    directory: Path
    postgres: EmbeddedPostgres
    admin_url: str
    database_url: str


SERVERS = ("uvicorn", "granian")
"""The ASGI servers a service can be served alone with: ``huiyuan up``'s, and granian (not a
dependency; ``bench.edge`` compares the two)."""


@dataclass(frozen=True)
class Served:
    """The service running under its ASGI server: its base URL, the server's process id
    (the parent of its workers, if it has any) and its broker."""

    url: str
    pid: int
    bootstrap: str


def consumer(service: str, sessions: Sessions) -> EventConsumer:
    """``service``'s consumer runner over ``sessions`` with its own handlers and batch start,
    for applying batches directly (``EventConsumer.apply``), without a broker."""
    spec = importlib.import_module(f"services.{service}.main").spec()
    return EventConsumer(
        service=service,
        sessions=sessions,
        inbox=importlib.import_module(f"services.{service}.base").inbox,
        handlers=spec.bound_handlers,
        topics=list(spec.subscriptions),
        batch_start=spec.batch_start,
        bootstrap_servers="unused:9092",
    )


async def apply_batch(consumer: EventConsumer, batch: Sequence[CloudEvent]) -> None:
    """Applies ``batch`` as one ``getmany()`` batch of one partition, offsets from 0."""
    await consumer.apply([consumer_record(e, offset=i) for i, e in enumerate(batch)])


async def timed_batches(
    consumer: EventConsumer,
    engine: AsyncEngine,
    batches: Sequence[Sequence[CloudEvent]],
    count: Callable[..., Any],
) -> tuple[float, float]:
    """Applies each of ``batches`` (:func:`apply_batch`) while ``count`` hears every
    statement the engine sends (SQLAlchemy's ``before_cursor_execute``); the CPU seconds of
    this process (``time.process_time()``) and the wall seconds they took."""
    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        cpu, wall = time.process_time(), time.perf_counter()
        for batch in batches:
            await apply_batch(consumer, batch)
        return time.process_time() - cpu, time.perf_counter() - wall
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


@contextlib.asynccontextmanager
async def migrated(service: str) -> AsyncIterator[Scratch]:
    """A scratch PostgreSQL with ``service``'s role, schema and migrations; removed after."""
    with tempfile.TemporaryDirectory(prefix=f"huiyuan-{service}-alone-") as directory:
        postgres = EmbeddedPostgres(Path(directory) / "pg")
        admin_url = postgres.start()
        try:
            await provision_service(admin_url, service, password=None)
            database_url = service_database_url(admin_url, service, password=None)
            await asyncio.to_thread(upgrade, service, database_url)
            yield Scratch(Path(directory), postgres, admin_url, database_url)
        finally:
            postgres.stop()


def server_command(
    service: str, port: int, server: str = "uvicorn", workers: int = 1, extra: Sequence[str] = ()
) -> list[str]:
    """The arguments after ``python`` that serve ``service``'s app on loopback ``port``:
    uvicorn as ``huiyuan up`` runs it, or granian on its ASGI interface with uvloop, with
    ``workers`` processes and ``extra`` arguments appended. Raises ``ValueError`` for a
    server not in :data:`SERVERS` or fewer than one worker."""
    if server not in SERVERS or workers < 1:
        raise ValueError(f"a server of {SERVERS} and at least one worker, not {server} x {workers}")
    app = f"services.{service}.main:create_app"
    address = ["--host", "127.0.0.1", "--port", str(port)]
    workers_option = ["--workers", str(workers)] if workers > 1 else []
    if server == "uvicorn":
        return [
            "-m", "uvicorn", "--factory", app, *address, "--no-access-log", *workers_option, *extra,
        ]  # fmt: skip
    return [
        "-m", "granian", "--interface", "asgi", "--factory", "--loop", "uvloop",
        "--no-access-log", *address, *workers_option, *extra, app,
    ]  # fmt: skip


@contextlib.contextmanager
def served(
    service: str,
    scratch: Scratch,
    profile: Path | None = None,
    *,
    server: str = "uvicorn",
    workers: int = 1,
    extra: Sequence[str] = (),
) -> Iterator[Served]:
    """``service`` on a free port (see ``server_command``; by default uvicorn as ``huiyuan
    up`` runs it), with a broker of its own, until the block ends (then a clean stop, which
    writes the cProfile stats to ``profile`` if given: uvicorn's single process only)."""
    if profile is not None and (server, workers) != ("uvicorn", 1):
        raise ValueError("a cProfile profile is of one uvicorn process, not of workers")
    broker = EmbeddedBroker(free_port(), scratch.directory / "broker.log")
    process: subprocess.Popen[bytes] | None = None
    try:
        bootstrap = broker.start()
        port, log = free_port(), scratch.directory / f"{service}.log"
        command = server_command(service, port, server, workers, extra)
        process = _start(service, scratch.database_url, bootstrap, command, log, profile)
        url = f"http://127.0.0.1:{port}"
        _wait_ready(service, url, process, log)
        print(f"{service}: {server} pid {process.pid} on {url}", flush=True)
        yield Served(url, process.pid, bootstrap)
    finally:
        if process is not None:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
        broker.stop()


def _start(
    service: str,
    database_url: str,
    bootstrap: str,
    command: list[str],
    log: Path,
    profile: Path | None,
) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env[f"{service.upper()}_DATABASE_URL"] = database_url
    env[f"{service.upper()}_KAFKA_BOOTSTRAP_SERVERS"] = bootstrap
    env["HUIYUAN_JWKS"] = "[]"  # the development keys, whatever the shell sets
    runner = ["-m", "cProfile", "-o", str(profile)] if profile else []
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, *runner, *command], env=env, stdout=output, stderr=subprocess.STDOUT
        )


def _wait_ready(service: str, url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{service} exited at start; see {log}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{service} not ready in {READY_SECONDS} s; see {log}")
