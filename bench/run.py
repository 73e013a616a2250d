"""One benchmark run: stack, members, pgbench, the load step by step, the report."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from bench import cpu, pg_statements, report
from bench.latency import Latencies
from bench.load import StepPlan, StepResult, init_worker, run_step
from bench.pgbench import PgbenchResult, ratio, run_pgbench
from bench.pipeline import Journey, Pipeline
from bench.population import Population, populate, token
from bench.schedule import Step, constant, ramp
from bench.stack import Target, embedded_stack, libpq_url, running_stack

Say = Callable[[str], None]
LEAD_SECONDS = 2.0  # between planning a step and its first send, so every worker is ready
ACCEPTED_SHARE = 0.95  # a sustained step has this share of its offered rate accepted, and
# its points made visible at this share of the accepted rate …
ERROR_SHARE = 0.01  # … at most this share of errors, and a bounded backlog


@dataclass(frozen=True)
class Options:
    rate: float = 200.0  # sales per second offered, for a constant run
    duration: float = 60.0  # seconds of each step
    ramp: str | None = None  # "START:STOP:STEP" sales per second, instead of one rate
    members: int = 10_000
    stores: int = 8
    reads: float = 0.0  # balance reads per second alongside the sales
    batch: int = 0  # sales per POST /purchases:batch; 0 posts them one by one
    workers: int = 1  # generator processes
    connections: int = 32  # keep-alive connections per store client
    pgbench_seconds: int = 30  # 0 skips the yardstick
    pgbench_scale: int = 1
    max_lag_seconds: float = 5.0  # the backlog a sustained step may end with, in seconds of load
    drain_seconds: float = 60.0  # how long to wait after a step for its sales to go through
    target: bool = False  # drive a running stack instead of starting one
    database_url: str | None = None
    bulk_members: bool = False
    sms_consent: bool = True
    catalog: bool = False  # load the demo catalog first, so sales' SKUs are checked strictly
    several_rules: bool = False  # earn by BENCH_RULES, not the plain rate
    campaign: bool = False  # a campaign (bench_campaign) active through the run
    coupons: bool = False  # every member holds a coupon; each sale's basket validated first
    saturation: float | None = None  # sales/s an earlier ramp sustained (bench.targets)
    pg_statements: bool = False  # PostgreSQL's statements per step (bench.pg_statements)
    data_dir: Path | None = None
    results_dir: Path = Path("bench/results")
    seed: int = 1

    def steps(self) -> list[Step]:
        return ramp(self.ramp, self.duration) if self.ramp else constant(self.rate, self.duration)


def run(options: Options, say: Say) -> tuple[dict[str, Any], dict[str, Path]]:
    steps = options.steps()  # refuse a bad ramp before starting anything
    started_at = datetime.now(UTC).strftime("%Y-%m-%dT%H-%M-%SZ")
    machine = report.machine()
    with contextlib.ExitStack() as resources:
        if options.target:
            target = running_stack(options.database_url)
            stack = "a running stack (" + ", ".join(target.urls.values()) + ")"
        else:
            data_dir = options.data_dir or Path(
                resources.enter_context(tempfile.TemporaryDirectory(prefix="huiyuan-bench-"))
            )
            target = resources.enter_context(
                embedded_stack(data_dir, say, pg_statements=options.pg_statements)
            )
            stack = "embedded, started by the benchmark (`huiyuan up`'s processes)"
        say(f"Registering {options.members:,} members and {options.stores} stores...")
        population = asyncio.run(
            populate(
                target,
                members=options.members,
                stores=options.stores,
                bulk=options.bulk_members,
                sms_consent=options.sms_consent,
                catalog=options.catalog,
                several_rules=options.several_rules,
                campaign=options.campaign,
                coupons=options.coupons,
                seed=options.seed,
                say=say,
            )
        )
        pgbench = None
        if options.pgbench_seconds > 0:
            say(f"pgbench TPC-B-like, 8 clients, {options.pgbench_seconds}s...")
            pgbench = run_pgbench(
                target.admin_url, seconds=options.pgbench_seconds, scale=options.pgbench_scale
            )
            say(f"  {pgbench.tps:,.1f} TPS")
        load = asyncio.run(_load(target, population, options, steps, say))
    result = _result(started_at, machine, stack, options, population, pgbench, load)
    return result, report.write(result, options.results_dir)


@dataclass
class _Load:
    clock: str
    steps: list[dict[str, Any]]
    ingest: Latencies
    visible: Latencies
    notified: Latencies
    backlog: list[dict[str, float | int]]


async def _load(
    target: Target, population: Population, options: Options, steps: list[Step], say: Say
) -> _Load:
    pipeline = Pipeline(target.admin_url)
    await pipeline.open()
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        options.workers,
        mp_context=context,
        initializer=init_worker,
        initargs=(population.members,),
    )
    load = _Load(pipeline.clock, [], Latencies(), Latencies(), Latencies(), [])
    try:
        # start every worker now, so none spends the first step importing
        await asyncio.gather(
            *(asyncio.wrap_future(pool.submit(time.sleep, 0.5)) for _ in range(options.workers))
        )
        origin = time.time() + LEAD_SECONDS
        sampler = asyncio.create_task(_sample_backlog(pipeline, origin, load.backlog))
        start_at = origin
        for index, step in enumerate(steps):
            say(f"Step {index + 1}/{len(steps)}: {step.rate:,.0f} sales/s for {step.seconds:g}s")
            outcome = await _step(pool, pipeline, target, population, options, step, index,
                                  start_at, origin, load)  # fmt: skip
            load.steps.append(outcome)
            say(
                f"  accepted {outcome['accepted_per_second']:,.1f}/s, ingest p99 "
                f"{outcome['ingest']['p99']} ms, points visible p99 "
                f"{outcome['points_visible']['p99']} ms, sustained: {outcome['sustained']}"
            )
            if not outcome["sustained"] and index + 1 < len(steps):
                say("  not sustained: the ramp stops here")
                break
            start_at = time.time() + LEAD_SECONDS
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler
    finally:
        pool.shutdown()
        await pipeline.close()
    return load


async def _sample_backlog(
    pipeline: Pipeline, origin: float, samples: list[dict[str, float | int]]
) -> None:
    """Once a second: sales accepted but whose points are not visible yet."""
    first_accepted, first_visible = await pipeline.progress()
    while True:
        accepted, visible = await pipeline.progress()
        backlog = max(0, (accepted - first_accepted) - (visible - first_visible))
        samples.append({"second": round(time.time() - origin, 2), "backlog": backlog})
        await asyncio.sleep(1.0)


def _own_cpu_seconds() -> float:
    """This process alone: in the embedded stack, the services are its children."""
    times = psutil.Process().cpu_times()
    return float(times.user + times.system)


async def _step(
    pool: ProcessPoolExecutor,
    pipeline: Pipeline,
    target: Target,
    population: Population,
    options: Options,
    step: Step,
    index: int,
    start_at: float,
    origin: float,
    load: _Load,
) -> dict[str, Any]:
    requests = Step(step.rate / options.batch, step.seconds) if options.batch else step
    plans = [
        StepPlan(
            orders_url=target.urls["orders"],
            loyalty_url=target.urls["loyalty"],
            store_keys=population.store_keys,
            read_token=token(target, "service"),
            purchases=requests,
            reads=Step(options.reads, step.seconds) if options.reads else None,
            start_at=start_at,
            run_offset=start_at - origin,
            share=share,
            shares=options.workers,
            batch=options.batch,
            connections_per_store=options.connections,
            seed=options.seed * 100 + index,
            store_ids=population.store_ids if options.coupons else (),
        )
        for share in range(options.workers)
    ]
    loop = asyncio.get_running_loop()
    futures = [loop.run_in_executor(pool, run_step, plan) for plan in plans]
    measure_statements = options.pg_statements and target.embedded
    if measure_statements:
        await pg_statements.reset(libpq_url(target.admin_url))
    await asyncio.sleep(max(0.0, start_at - time.time()))
    cpu_before, own_before = cpu.snapshot(target.processes), _own_cpu_seconds()
    results: list[StepResult] = await asyncio.gather(*futures)
    wall = time.time() - start_at
    cpu_after, own_after = cpu.snapshot(target.processes), _own_cpu_seconds()
    statements = (
        await pg_statements.read(libpq_url(target.admin_url)) if measure_statements else None
    )

    usage = cpu.usage(cpu_before, cpu_after, wall)
    generator = sum(r.cpu_seconds for r in results) + own_after - own_before
    usage["generator"] = {
        "cpu_seconds": round(generator, 3),
        "percent_of_a_core": round(100 * generator / wall, 1),
    }
    ingest, reads, send_lag = Latencies(), Latencies(), Latencies()
    for r in results:
        ingest.merge(Latencies.decode(r.ingest))
        reads.merge(Latencies.decode(r.reads))
        send_lag.merge(Latencies.decode(r.send_lag))
    load.ingest.merge(ingest)
    purchase_ids = [pid for r in results for pid in r.purchase_ids]
    journeys = await _drain(pipeline, purchase_ids, options.drain_seconds)
    visible, notified = Latencies(), Latencies()
    for journey in journeys:
        if journey.visible is not None:
            visible.record(journey.visible - journey.accepted, journey.accepted - origin)
        if journey.notified is not None:
            notified.record(journey.notified - journey.accepted, journey.accepted - origin)
    load.visible.merge(visible)
    load.notified.merge(notified)

    sent = sum(r.sent for r in results) * max(options.batch, 1)
    accepted = len(purchase_ids)
    errors = sum((r.errors for r in results), Counter[str]())
    window = [
        s["backlog"]
        for s in load.backlog
        if start_at - origin <= s["second"] <= start_at - origin + step.seconds
    ]
    backlog_end = int(window[-1]) if window else 0
    why_not = []
    if accepted < ACCEPTED_SHARE * step.requests:
        why_not.append(f"accepted {accepted} of {step.requests} offered")
    if sum(errors.values()) > ERROR_SHARE * max(sent, 1):
        why_not.append(f"{sum(errors.values())} errors")
    e2e_per_second = _e2e_rate(journeys)
    if e2e_per_second < ACCEPTED_SHARE * accepted / step.seconds:
        why_not.append(f"points visible at {e2e_per_second:g}/s only")
    if backlog_end > options.max_lag_seconds * step.rate:
        why_not.append(f"backlog {backlog_end} at the end (> {options.max_lag_seconds:g}s of load)")
    return {
        "rate": step.rate,
        "seconds": step.seconds,
        "starts_at_second": round(start_at - origin, 2),
        "batch": options.batch,
        "sent": sent,
        "accepted": accepted,
        "accepted_per_second": round(accepted / step.seconds, 1),
        "errors": dict(errors),
        "ingest": ingest.summary(),
        "points_visible": visible.summary(),
        "notified": notified.summary(),
        "visible_count": visible.count,
        "notified_count": notified.count,
        "e2e_per_second": e2e_per_second,
        "reads": {
            # answered while the step ran: reads that queue behind a slow server and finish
            # after it do not count towards the rate
            "per_second": round(sum(r.reads_in_step for r in results) / step.seconds, 1),
            "ok": sum(r.reads_ok for r in results),
            "errors": dict(sum((r.read_errors for r in results), Counter[str]())),
            "latency": reads.summary(),
        }
        if options.reads
        else None,
        "backlog_max": int(max(window, default=0)),
        "backlog_end": backlog_end,
        "sustained": not why_not,
        "why_not": why_not,
        "cpu": usage,
        "pg_statements": statements,
        "generator_send_lag": send_lag.summary(),
        "generator_processes": options.workers,
    }


async def _drain(pipeline: Pipeline, purchase_ids: list[str], seconds: float) -> list[Journey]:
    """The step's journeys once every sale got through, or as far as they got in ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        journeys = await pipeline.journeys(purchase_ids)
        through = all(j.visible is not None and j.notified is not None for j in journeys)
        if through or time.monotonic() > deadline:
            return journeys
        await asyncio.sleep(0.5)


def _e2e_rate(journeys: list[Journey]) -> float:
    """Sales per second from the first acceptance to the last points becoming visible."""
    visible = [j.visible for j in journeys if j.visible is not None]
    if len(visible) < 2:
        return 0.0
    span = max(visible) - min(j.accepted for j in journeys)
    return round(len(visible) / span, 1) if span > 0 else 0.0


def _result(
    started_at: str,
    machine: dict[str, Any],
    stack: str,
    options: Options,
    population: Population,
    pgbench: PgbenchResult | None,
    load: _Load,
) -> dict[str, Any]:
    sustained = [step for step in load.steps if step["sustained"]]
    best = max(sustained, key=lambda step: step["rate"]) if sustained else None
    e2e = max((step["e2e_per_second"] for step in load.steps), default=0.0)
    basis = best["e2e_per_second"] if best else e2e
    return {
        "started_at": started_at,
        "command": report.command(),
        "revision": report.revision(),
        "machine": machine,
        "stack": stack,
        "members": len(population.members),
        "stores": len(population.store_keys),
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(options).items()}
        | {"database_url": "(given)" if options.database_url else None},
        "clock": load.clock,
        "pgbench": pgbench.as_dict() if pgbench else None,
        "steps": load.steps,
        "saturation": {
            "rate": best["rate"] if best else None,
            "e2e_per_second": best["e2e_per_second"] if best else None,
            "note": "highest offered rate whose step was sustained; with one step, a lower bound",
        },
        "ratio": ratio(basis, pgbench.tps) if pgbench else None,
        "ratio_basis": "saturation step" if best else "best step (none was sustained)",
        "series": {
            "ingest": load.ingest.series(),
            "points_visible": load.visible.series(),
            "notified": load.notified.series(),
            "backlog": load.backlog,
        },
    }
