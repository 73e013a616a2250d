"""``python -m bench.edge``: the HTTP edge, uvicorn against granian and one worker against two,
serving the real apps.

Starts an embedded PostgreSQL with one service's schema, seeds it once, then serves the
service alone (``bench.alone``, with a broker of its own) under each setup in turn, every
``--server`` with every ``--workers``, for ``--rounds`` rounds (A B A B: the same minutes
of a shared machine for each), and sends each setup the same requests from the load
generator's client (``bench.http``), ``--concurrency`` in flight, after ``WARM_UP``:

- ``--service orders``: ``POST /purchases``, the till's sale as ``bench.sale_cost`` sends
  it (a store's API key, one to three demo lines, a fresh ``Idempotency-Key``);
- ``--service loyalty``: ``GET /members/{id}/loyalty`` for random members with lots, a
  tier and a ledger (seeded as ``bench.read_cost`` does), with a service token.

Per run it prints requests/s (with that many in flight, closed loop: the most the setup
answers with the client on the same cores), the server's CPU per request (its process
tree's user + system time over the requests: every worker, granian's supervisor),
PostgreSQL's and the client's, the latency p50/p99, and the server's CPU while idle (its
relay's and consumer's polling, counted in the per-request figure too); then a table of
each setup's medians over the rounds with ratios to the first setup. granian is not a
dependency: install it into the venv to measure it (``.venv/bin/pip install granian``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import random
import shlex
import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import orjson

from bench import alone, read_cost, sale_cost
from bench.cpu import tree_seconds
from bench.http import HttpClient
from bench.latency import Latencies
from bench.load import sale_lines
from services.loyalty.config import Settings as LoyaltySettings
from shared.db import create_engine, create_sessions
from shared.jwks import development_signer
from shared.tokens import issue_token

WARM_UP = 300
IDLE_SECONDS = 2.0  # the server's own background work (relay, consumer polls) before any load
SERVICES = ("orders", "loyalty")

Request = tuple[str, str, bytes, dict[str, str]]
"""Method, path, body and the request's own headers."""


@dataclass(frozen=True)
class Setup:
    """One way of serving the app: the server and its worker processes."""

    server: str
    workers: int

    @property
    def label(self) -> str:
        return f"{self.server} x{self.workers}"


@dataclass(frozen=True)
class Run:
    """One setup's measured requests: CPU in seconds by process tree, latencies in ms."""

    setup: Setup
    requests: int
    wall_seconds: float
    server_cpu: float
    postgres_cpu: float
    client_cpu: float
    p50_ms: float
    p99_ms: float
    idle_cores: float

    @property
    def per_second(self) -> float:
        return self.requests / self.wall_seconds

    def ms_per_request(self, cpu_seconds: float) -> float:
        return cpu_seconds / self.requests * 1000

    def line(self) -> str:
        return (
            f"{self.setup.label}: {self.requests} requests, {self.per_second:.0f}/s, "
            f"server {self.ms_per_request(self.server_cpu):.3f} ms CPU per request, "
            f"postgres {self.ms_per_request(self.postgres_cpu):.3f}, "
            f"client {self.ms_per_request(self.client_cpu):.3f}; "
            f"p50 {self.p50_ms:.2f} ms, p99 {self.p99_ms:.2f} ms; "
            f"server idle {self.idle_cores:.3f} of a core"
        )


def setups(servers: Sequence[str], workers: Sequence[int]) -> list[Setup]:
    """Every server with every worker count, in the order given."""
    return [Setup(server, count) for server, count in itertools.product(servers, workers)]


def table(runs: Sequence[Run]) -> str:
    """A Markdown table of each setup's medians over its runs, in the order they first ran,
    with requests/s and server CPU per request as ratios to the first setup's."""
    by_setup: dict[Setup, list[Run]] = {}
    for run in runs:
        by_setup.setdefault(run.setup, []).append(run)
    rows = []
    for setup, own in by_setup.items():
        rows.append(
            (
                setup.label,
                len(own),
                statistics.median(r.per_second for r in own),
                statistics.median(r.ms_per_request(r.server_cpu) for r in own),
                statistics.median(r.ms_per_request(r.postgres_cpu) for r in own),
                statistics.median(r.ms_per_request(r.client_cpu) for r in own),
                statistics.median(r.p99_ms for r in own),
                statistics.median(r.idle_cores for r in own),
            )
        )
    base_rate, base_cpu = rows[0][2], rows[0][3]
    lines = [
        "| setup | runs | requests/s | server CPU ms/request | postgres | client | p99 ms "
        "| idle cores | requests/s ratio | server CPU ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, count, rate, server, postgres, client, p99, idle in rows:
        lines.append(
            f"| {label} | {count} | {rate:.0f} | {server:.3f} | {postgres:.3f} | {client:.3f} "
            f"| {p99:.2f} | {idle:.3f} | {rate / base_rate:.2f} | {server / base_cpu:.2f} |"
        )
    return "\n".join(lines)


async def _measure(
    setup: Setup,
    client: HttpClient,
    next_request: Callable[[], Request],
    expected: int,
    requests: int,
    concurrency: int,
    pids: tuple[int, int],
) -> Run:
    latencies = Latencies()

    async def send(count: int) -> None:
        for _ in range(count):
            method, path, body, headers = next_request()
            started = time.perf_counter()
            status, content = await client.request(method, path, body, headers)
            latencies.record(time.perf_counter() - started, 0)
            if status != expected:
                raise RuntimeError(f"{method} {path} answered {status}: {content[:300]!r}")

    async def wave(count: int) -> None:
        share, extra = divmod(count, concurrency)
        await asyncio.gather(*(send(share + (n < extra)) for n in range(concurrency)))

    server, postgres = pids
    idle_from = tree_seconds(server) or 0.0
    await asyncio.sleep(IDLE_SECONDS)
    idle_cores = ((tree_seconds(server) or 0.0) - idle_from) / IDLE_SECONDS
    await wave(WARM_UP)  # every worker's pool, statement caches and imports
    latencies = Latencies()
    before = (tree_seconds(server) or 0.0, tree_seconds(postgres) or 0.0, time.process_time())
    started = time.perf_counter()
    await wave(requests)
    wall = time.perf_counter() - started
    after = (tree_seconds(server) or 0.0, tree_seconds(postgres) or 0.0, time.process_time())
    server_cpu, postgres_cpu, client_cpu = (b - a for a, b in zip(before, after, strict=True))
    return Run(
        setup,
        requests,
        wall,
        server_cpu,
        postgres_cpu,
        client_cpu,
        latencies.percentile_ms(50),
        latencies.percentile_ms(99),
        idle_cores,
    )


async def _orders(options: argparse.Namespace, chosen: list[Setup]) -> list[Run]:
    rng = random.Random(19)
    runs: list[Run] = []
    async with alone.migrated("orders") as scratch:
        cards, api_key = await sale_cost.seed(scratch.database_url, options.members)
        fixed = {"X-API-Key": api_key, "Content-Type": "application/json"}

        def sale() -> Request:
            body = orjson.dumps({"card_number": rng.choice(cards), "lines": sale_lines(rng)})
            return "POST", "/purchases", body, {"Idempotency-Key": uuid.uuid4().hex}

        for setup in options.rounds * chosen:
            with _serve("orders", scratch, setup, options.granian_args) as served:
                if not runs:  # the catalog stays in the database for the setups after
                    sale_cost.load_catalog(served.url)
                client = HttpClient(served.url, headers=fixed, connections=options.concurrency)
                runs.append(await _run(setup, client, sale, 201, options, served, scratch))
    return runs


async def _loyalty(options: argparse.Namespace, chosen: list[Setup]) -> list[Run]:
    rng = random.Random(7)
    runs: list[Run] = []
    async with alone.migrated("loyalty") as scratch:
        engine = create_engine(LoyaltySettings(database_url=scratch.database_url))
        try:
            members = await read_cost.seed(create_sessions(engine))
        finally:
            await engine.dispose()
        token = issue_token(development_signer(), subject="bench-service", role="service")

        def read() -> Request:
            return "GET", f"/members/{rng.choice(members)}/loyalty", b"", {}

        for setup in options.rounds * chosen:
            with _serve("loyalty", scratch, setup, options.granian_args) as served:
                client = HttpClient(
                    served.url,
                    headers={"Authorization": f"Bearer {token}"},
                    connections=options.concurrency,
                )
                runs.append(await _run(setup, client, read, 200, options, served, scratch))
    return runs


def _serve(
    service: str, scratch: alone.Scratch, setup: Setup, granian_args: str
) -> contextlib.AbstractContextManager[alone.Served]:
    extra = shlex.split(granian_args) if setup.server == "granian" else []
    return alone.served(service, scratch, server=setup.server, workers=setup.workers, extra=extra)


async def _run(
    setup: Setup,
    client: HttpClient,
    next_request: Callable[[], Request],
    expected: int,
    options: argparse.Namespace,
    served: alone.Served,
    scratch: alone.Scratch,
) -> Run:
    assert scratch.postgres.pid is not None
    try:
        run = await _measure(
            setup,
            client,
            next_request,
            expected,
            options.requests,
            options.concurrency,
            (served.pid, scratch.postgres.pid),
        )
    finally:
        await client.aclose()
    print(run.line(), flush=True)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--service", choices=SERVICES, default="orders")
    parser.add_argument(
        "--server", choices=alone.SERVERS, action="append", help="repeat to compare (default: both)"
    )
    parser.add_argument("--workers", type=int, action="append", help="repeat (default: 1)")
    parser.add_argument("--rounds", type=int, default=2, help="times each setup runs, alternated")
    parser.add_argument("--requests", type=int, default=3_000, help="requests measured per run")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument("--members", type=int, default=500, help="orders' members")
    parser.add_argument(
        "--granian-args", default="", help="more arguments for granian: '--task-impl rust'"
    )
    options = parser.parse_args()
    chosen = setups(options.server or list(alone.SERVERS), options.workers or [1])
    measure = _orders if options.service == "orders" else _loyalty
    runs = asyncio.run(measure(options, chosen))
    print(table(runs), flush=True)


if __name__ == "__main__":
    main()
