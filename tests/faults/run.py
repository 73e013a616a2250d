"""One fault run: start the system, load it, inject the scheduled faults, drain, check."""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from huiyuan.devkeys import cli_signer
from shared.db import asyncpg_dsn
from tests.faults.checker import check, drain
from tests.faults.cluster import FaultCluster
from tests.faults.load import LoadGenerator
from tests.faults.records import LoadLog, LoadShape
from tests.faults.repeats import FaultAt
from tests.faults.replicas import WorkTally, explain, published_twice
from tests.faults.schedule import FAULT_KINDS, Fault, fault_kinds, plan, spaced
from tests.faults.verdict import Verdict

Say = Callable[[str], None]

# the topics the replicated services' relays publish to
REPLICATED_TOPICS = ("loyalty.events", "messaging.events")
# the load's operations each service answers, by the letter in their keys
SERVED_BY = {
    "orders": ("-p-", "-r-", "-h-", "-t-", "-u-", "-c-", "-k-", "-o-"),
    "loyalty": ("-d-", "-w-", "-x-"),
}


@dataclass(frozen=True)
class RunConfig:
    seed: int
    purchases: int
    faults: int
    rate: float
    members: int = 200
    kinds: tuple[str, ...] = FAULT_KINDS
    spaced_seconds: float | None = None  # evenly spaced faults, for recovery figures
    household_moves: bool = True
    """Members leave and join households during the load (``--no-household-moves`` leaves
    them in place, to tell a household fault from others)."""
    replicas: int = 1
    """Processes each of loyalty and messaging (``--replicas``); ``kinds`` should then name
    their kills too (:func:`fault_kinds`)."""

    def command(self) -> str:
        parts = [
            f"python -m tests.faults --seed {self.seed} --purchases {self.purchases}",
            f"--faults {self.faults} --rate {self.rate:g} --members {self.members}",
        ]
        if self.replicas != 1:
            parts.append(f"--replicas {self.replicas}")
        if self.kinds != fault_kinds(self.replicas):
            parts.append("--kinds " + ",".join(self.kinds))
        if not self.household_moves:
            parts.append("--no-household-moves")
        if self.spaced_seconds is not None:
            parts.append(f"--spaced {self.spaced_seconds:g}")
        return " ".join(parts)


@dataclass
class Recovery:
    fault: Fault
    at: float  # monotonic time the fault was applied
    took: float  # how long applying it took (a restart's own time)
    wall: float = 0.0  # time.time() when it was applied: the providers' clock
    ready_after: float | None = None
    requests_after: float | None = None
    caught_up_after: float | None = None
    waiting: set[uuid.UUID] = field(default_factory=set, repr=False)


@dataclass
class RunReport:
    config: RunConfig
    verdict: Verdict
    recoveries: list[Recovery]
    load_seconds: float
    drain_seconds: float
    work: WorkTally | None = None
    """With replicas: what each process of loyalty and messaging applied and published."""

    def render(self) -> str:
        lines = [
            f"seed {self.config.seed}: {len(self.recoveries)} faults, "
            f"{self.verdict.counts.get('purchases', 0)} purchases acknowledged in "
            f"{self.load_seconds:.0f}s, drained in {self.drain_seconds:.1f}s",
            self.verdict.summary(),
            "recovery (median / max seconds): until all services ready, until requests to "
            "the service succeed, until loyalty has every purchase acknowledged before it",
        ]
        for kind in sorted({r.fault.kind for r in self.recoveries}):
            of_kind = [r for r in self.recoveries if r.fault.kind == kind]
            lines.append(
                f"  {kind:<20} x{len(of_kind):<3} ready {_spread(r.ready_after for r in of_kind)}"
                f"  requests {_spread(r.requests_after for r in of_kind)}"
                f"  caught up {_spread(r.caught_up_after for r in of_kind)}"
            )
        if self.work is not None:
            lines.append(self.work.render())
        lines.append("verdict: " + ("PASS" if self.verdict.ok else "FAIL"))
        lines.append(f"replay with: {self.config.command()}")
        return "\n".join(lines)


def _spread(values: object) -> str:
    seen = [v for v in values if isinstance(v, float)]  # type: ignore[attr-defined]
    if not seen:
        return "   n/a      "
    return f"{statistics.median(seen):5.2f} / {max(seen):5.2f}"


async def _apply(cluster: FaultCluster, fault: Fault) -> None:
    action, target = fault.kind.split(":", 1)
    if action == "kill":
        await asyncio.to_thread(cluster.kill, target)
    elif fault.kind == "restart:broker":
        await asyncio.to_thread(cluster.restart_broker)
    elif fault.kind == "restart:postgres":
        await asyncio.to_thread(cluster.restart_postgres)
    elif fault.kind == "terminate:backends":
        await cluster.terminate_backends()
    else:
        raise ValueError(f"unknown fault {fault.kind}")


class _Watch:
    """Samples readiness and loyalty's progress while faults happen."""

    def __init__(self, cluster: FaultCluster, log: LoadLog) -> None:
        self._cluster = cluster
        self._log = log
        self.readiness: list[tuple[float, bool]] = []
        self.earned: set[uuid.UUID] = set()
        self.open: list[Recovery] = []
        self._last_seq = 0

    async def run(self) -> None:
        async with httpx.AsyncClient(timeout=1.0) as client:
            while True:
                asked = time.monotonic()  # a probe started before a fault says nothing after it
                ready = await self._cluster.ready(client)
                self.readiness.append((asked, all(ready.values())))
                await self._track_loyalty()
                await asyncio.sleep(0.1)

    async def _track_loyalty(self) -> None:
        try:
            connection = await asyncpg.connect(asyncpg_dsn(self._cluster.admin_url), timeout=2)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            return  # PostgreSQL is restarting; look again next time
        try:
            rows = await connection.fetch(
                "SELECT seq, source_id AS purchase_id FROM loyalty.ledger_entries "
                "WHERE source_type = 'purchase' AND seq > $1 ORDER BY seq",
                self._last_seq,
            )
        except (OSError, asyncpg.PostgresError):
            return
        finally:
            await connection.close()
        if rows:
            self._last_seq = rows[-1]["seq"]
            self.earned.update(row["purchase_id"] for row in rows)
        now = time.monotonic()
        for recovery in list(self.open):
            recovery.waiting -= self.earned
            if not recovery.waiting:
                recovery.caught_up_after = now - recovery.at
                self.open.remove(recovery)

    def opened(self, recovery: Recovery) -> None:
        acked = {
            uuid.UUID(ack.body["id"])
            for ack in list(self._log.purchases.values())
            if ack.acked <= recovery.at
        }
        recovery.waiting = acked - self.earned
        self.open.append(recovery)

    def ready_after(self, recovery: Recovery) -> float | None:
        after = recovery.at + recovery.took
        return next((t - recovery.at for t, ok in self.readiness if t >= after and ok), None)


def _requests_after(log: LoadLog, recovery: Recovery) -> float | None:
    markers = SERVED_BY.get(recovery.fault.target)
    acks = [
        *log.purchases.values(),
        *log.returns.values(),
        *log.redemptions.values(),
        *log.reward_orders.values(),
        *log.reward_cancels.values(),
    ]
    times = [
        ack.acked
        for ack in acks
        if ack.started >= recovery.at and (markers is None or any(m in ack.key for m in markers))
    ]
    return min(times) - recovery.at if times else None


async def _sample_work(tally: WorkTally) -> None:
    async with httpx.AsyncClient(timeout=1.0) as client:
        while True:
            await tally.sample(client)
            await asyncio.sleep(0.5)


async def run(config: RunConfig, root: Path, say: Say) -> RunReport:
    cluster = FaultCluster(root, say, config.replicas)
    say(f"starting the system under {root}")
    await asyncio.to_thread(cluster.start)
    shape = LoadShape(
        purchases=config.purchases,
        rate=config.rate,
        members=config.members,
        household_share=0.05 if config.household_moves else 0.0,
    )
    load = LoadGenerator(
        cluster.urls, cluster.admin_url, config.seed, shape, cli_signer(cluster.settings)
    )
    watch = _Watch(cluster, load.log)
    watcher: asyncio.Task[None] | None = None
    tally = WorkTally(cluster.replicated) if config.replicas > 1 else None
    sampler = asyncio.create_task(_sample_work(tally)) if tally is not None else None
    try:
        await load.set_up()
        share = 1 - shape.return_share - shape.redemption_share - 2 * shape.reward_share
        duration = config.purchases / (config.rate * share)
        if config.spaced_seconds is not None:
            schedule = spaced(config.faults, config.spaced_seconds, config.kinds)
        else:
            schedule = plan(config.seed, config.faults, duration, config.kinds)
        say(f"seed {config.seed}: {len(schedule)} faults over about {duration:.0f}s of load")
        watcher = asyncio.create_task(watch.run())
        started = time.monotonic()
        load_task = asyncio.create_task(load.run())
        recoveries: list[Recovery] = []
        for fault in schedule:
            await asyncio.sleep(max(0.0, started + fault.at - time.monotonic()))
            at, wall = time.monotonic(), time.time()
            await _apply(cluster, fault)
            recovery = Recovery(fault, at, time.monotonic() - at, wall)
            watch.opened(recovery)
            recoveries.append(recovery)
            say(f"  {at - started:7.1f}s  {fault.kind}")
        await load_task
        load_seconds = time.monotonic() - started
        await asyncio.to_thread(cluster.wait_until_ready)
        stalled = None
        try:
            drain_seconds = await drain(cluster.admin_url, load.log)
        except TimeoutError as stuck:
            say(f"the backlog stopped moving: {stuck}")
            stalled, drain_seconds = str(stuck), float("nan")
        await asyncio.sleep(0.5)  # let the watcher see the last earn entries
        faults = [FaultAt(r.wall, r.fault.kind) for r in recoveries]
        verdict = await check(cluster.admin_url, load.log, cluster.provider_dir, faults)
        verdict.stalled = stalled
        for recovery in recoveries:
            recovery.ready_after = watch.ready_after(recovery)
            recovery.requests_after = _requests_after(load.log, recovery)
        if tally is not None:
            async with httpx.AsyncClient(timeout=2.0) as client:
                await tally.sample(client)
            tally.published_twice = await published_twice(cluster.bootstrap, REPLICATED_TOPICS)
            tally.unexplained_twice = await explain(
                cluster.admin_url, tally.published_twice, faults
            )
        return RunReport(config, verdict, recoveries, load_seconds, drain_seconds, tally)
    finally:
        for task in (watcher, sampler):
            if task is not None:
                task.cancel()
        await load.close()
        await asyncio.to_thread(cluster.stop)
