"""The open-model load generator, run in one or more worker processes.

Each worker takes every ``shares``-th request of a step's schedule and sends it at its
intended time, whatever happened to earlier requests: a request is a task of its own, so
a slow answer never holds back the next send. Latency is measured from the intended time.
Purchases go out from several store clients (one keep-alive client per store, see
:mod:`bench.http`), balance reads from one staff client, on the same clock.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import uvloop

from bench.http import HttpClient, HttpError
from bench.latency import Latencies
from bench.schedule import Step, send_offsets
from huiyuan.demo import CATALOG  # every item earns points, so every sale notifies

REQUEST_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Member:
    id: str
    card_number: str


@dataclass(frozen=True)
class StepPlan:
    """What one worker sends during one step."""

    orders_url: str
    loyalty_url: str
    store_keys: tuple[str, ...]
    read_token: str
    purchases: Step
    reads: Step | None
    start_at: float  # wall-clock time the step starts, the same for every worker
    run_offset: float  # seconds from the run's start to the step's start
    share: int = 0
    shares: int = 1
    batch: int = 0  # sales per POST /purchases:batch; 0 posts them one by one
    connections_per_store: int = 32
    seed: int = 0
    store_ids: tuple[str, ...] = ()  # with them, each sale is first validated with coupons


@dataclass
class StepResult:
    pid: int
    cpu_seconds: float
    sent: int = 0
    accepted: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    reads_ok: int = 0
    reads_in_step: int = 0  # answered 200 before the step's last second was over
    read_errors: Counter[str] = field(default_factory=Counter)
    purchase_ids: list[str] = field(default_factory=list)
    ingest: dict[str, Any] = field(default_factory=dict)
    reads: dict[str, Any] = field(default_factory=dict)
    send_lag: dict[str, Any] = field(default_factory=dict)


_members: Sequence[Member] = ()


def init_worker(members: Sequence[Member]) -> None:
    """Process-pool initializer: the members are shipped to each worker once, not per step."""
    global _members
    _members = members


def run_step(plan: StepPlan) -> StepResult:
    """Runs in a worker process; returns what it measured."""
    cpu_before = time.process_time()
    result = uvloop.run(_drive(plan, _members))
    result.cpu_seconds = time.process_time() - cpu_before
    return result


def sale_lines(rng: random.Random) -> list[dict[str, Any]]:
    return [
        {"sku": sku, "category": category, "quantity": rng.randint(1, 3), "unit_price_fen": price}
        for sku, category, price, _ in rng.sample(CATALOG, rng.randint(1, 3))
    ]


Fire = Callable[[int, float, float], Coroutine[Any, Any, None]]
_JSON = {"Content-Type": "application/json"}


class _Refused(Exception):
    """A step before the sale was answered with an error status (its text is the count's key)."""


async def paced(schedule: list[tuple[int, float]], origin: float, fire: Fire) -> None:
    """Starts ``fire(number, intended, offset)`` at ``origin + offset`` for each request,
    without waiting for earlier ones; returns when all have finished."""
    loop = asyncio.get_running_loop()
    pending: set[asyncio.Task[None]] = set()
    for number, offset in schedule:
        intended = origin + offset
        delay = intended - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(fire(number, intended, offset))
        pending.add(task)
        task.add_done_callback(pending.discard)
    if pending:
        await asyncio.gather(*pending)


async def _drive(plan: StepPlan, members: Sequence[Member]) -> StepResult:
    loop = asyncio.get_running_loop()
    origin = loop.time() + (plan.start_at - time.time())
    rng = random.Random(plan.seed * 1_000 + plan.share)
    result = StepResult(pid=os.getpid(), cpu_seconds=0.0)
    ingest, reads, send_lag = Latencies(), Latencies(), Latencies()
    stores = [
        HttpClient(
            plan.orders_url,
            headers={"X-API-Key": key, "Content-Type": "application/json"},
            connections=plan.connections_per_store,
            timeout=REQUEST_TIMEOUT_SECONDS,
        )
        for key in plan.store_keys
    ]
    loyalty = HttpClient(
        plan.loyalty_url,
        headers={"Authorization": f"Bearer {plan.read_token}"},
        connections=plan.connections_per_store,
        timeout=REQUEST_TIMEOUT_SECONDS,
    )

    def sale() -> dict[str, Any]:
        return {"card_number": rng.choice(members).card_number, "lines": sale_lines(rng)}

    async def validated(number: int) -> dict[str, Any]:
        """A sale whose basket the till first prices with the member's coupons, as a till
        does before asking for a coupon: the validation's time counts in the sale's."""
        member, lines = rng.choice(members), sale_lines(rng)
        basket = [
            {
                "line_no": n,
                "sku": line["sku"],
                "category": line["category"],
                "amount_fen": line["quantity"] * line["unit_price_fen"],
            }
            for n, line in enumerate(lines, 1)
        ]
        store_id = plan.store_ids[number % len(plan.store_ids)]
        body = {"member_id": member.id, "store_id": store_id, "lines": basket}
        status, _ = await loyalty.request(
            "POST", "/coupons/validate", orjson.dumps(body), headers=_JSON
        )
        if status != 200:
            raise _Refused(f"validate {status}")
        return {"card_number": member.card_number, "lines": lines}

    async def purchase(number: int, intended: float, offset: float) -> None:
        send_lag.record(loop.time() - intended, plan.run_offset + offset)
        store = stores[number % len(stores)]
        result.sent += 1
        try:
            if plan.store_ids and not plan.batch:
                status, content = await store.request(
                    "POST",
                    "/purchases",
                    orjson.dumps(await validated(number)),
                    headers={"Idempotency-Key": uuid.uuid4().hex},
                )
            elif plan.batch:
                sales = [sale() | {"idempotency_key": uuid.uuid4().hex} for _ in range(plan.batch)]
                status, content = await store.request(
                    "POST", "/purchases:batch", orjson.dumps({"sales": sales})
                )
            else:
                status, content = await store.request(
                    "POST",
                    "/purchases",
                    orjson.dumps(sale()),
                    headers={"Idempotency-Key": uuid.uuid4().hex},
                )
        except (HttpError, TimeoutError) as error:
            result.errors[type(error).__name__] += 1
            return
        except _Refused as refused:
            result.errors[str(refused)] += 1
            return
        if status != (200 if plan.batch else 201):
            result.errors[str(status)] += 1
            return
        ingest.record(loop.time() - intended, plan.run_offset + offset)
        body = orjson.loads(content)
        if plan.batch:
            for item in body["results"]:
                if item["status"] == 201:
                    result.purchase_ids.append(item["purchase"]["id"])
                else:
                    result.errors[f"sale {item['status']}"] += 1
        else:
            result.purchase_ids.append(body["id"])

    async def read(number: int, intended: float, offset: float) -> None:
        try:
            status, _ = await loyalty.request("GET", f"/members/{rng.choice(members).id}/loyalty")
        except (HttpError, TimeoutError) as error:
            result.read_errors[type(error).__name__] += 1
            return
        if status != 200:
            result.read_errors[str(status)] += 1
            return
        result.reads_ok += 1
        if plan.reads is not None and loop.time() - origin <= plan.reads.seconds:
            result.reads_in_step += 1
        reads.record(loop.time() - intended, plan.run_offset + offset)

    work = [
        paced(send_offsets(plan.purchases, share=plan.share, shares=plan.shares), origin, purchase)
    ]
    if plan.reads is not None:
        work.append(
            paced(send_offsets(plan.reads, share=plan.share, shares=plan.shares), origin, read)
        )
    try:
        await asyncio.gather(*work)
    finally:
        await asyncio.gather(*(client.aclose() for client in [*stores, loyalty]))
    result.accepted = len(result.purchase_ids)
    result.ingest, result.reads, result.send_lag = (
        ingest.encode(),
        reads.encode(),
        send_lag.encode(),
    )
    return result
