"""Points at the till survive loyalty dying: a real loyalty process is killed (SIGKILL)
between a hold and the sale that would pay with it, and after a sale paid with it.

Orders (in-process) calls it over loopback HTTP; the sale's event reaches it through the
real broker. Nothing is spent twice or lost: the till gets 503 and sells without points,
the sweep gives the held points back, and a sale that did pay keeps its points spent once.
"""

from __future__ import annotations

import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from huiyuan.embedded.ports import free_port
from huiyuan.stack import Child
from services.loyalty.points.invariants import check_ledger_invariants
from services.loyalty.reservations.invariants import till_violations
from services.loyalty.reservations.service import release_due
from shared.db import Sessions
from tests.orders.conftest import TOTAL, KnownMember, StoreKey, footprint, new_store
from tests.orders.tenders.till import SERVICE, balance, fund, hold, paid_with, reservation, sell
from tests.stack import Stack, eventually, running, skip_backlog


class Loyalty:
    """Loyalty as its own process, killed and started again like a supervisor would."""

    def __init__(self, child: Child, url: str) -> None:
        self.child = child
        self.url = url

    def kill(self) -> None:
        assert self.child.process is not None
        os.kill(self.child.process.pid, signal.SIGKILL)
        self.child.process.wait()
        self.child.stop()

    async def start(self) -> None:
        self.child.start()

        async def ready() -> bool:
            try:
                async with httpx.AsyncClient(base_url=self.url, timeout=1) as client:
                    return (await client.get("/readyz")).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(ready, timeout=60, interval=0.2)


@pytest.fixture(scope="module")
async def loyalty(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Loyalty]:
    port = free_port()
    group = f"loyalty-till-faults-{uuid.uuid4().hex[:8]}"
    subscriptions = stack.app("loyalty").state.spec.subscriptions
    await skip_backlog(stack.bootstrap_servers, group, subscriptions)
    env = dict(os.environ) | {
        "LOYALTY_ENVIRONMENT": "test",
        "LOYALTY_DATABASE_URL": stack.database_urls["loyalty"],
        "LOYALTY_KAFKA_BOOTSTRAP_SERVERS": stack.bootstrap_servers,
        "LOYALTY_CONSUMER_GROUP_ID": group,
        "LOYALTY_LOG_JSON": "false",
    }
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "services.loyalty.main:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
    ]  # fmt: skip
    log_path: Path = tmp_path_factory.mktemp("till") / "loyalty.log"
    served = Loyalty(Child("loyalty", command, env, log_path), f"http://127.0.0.1:{port}")
    await served.start()
    try:
        yield served
    finally:
        served.child.stop()


@pytest.fixture
async def store(orders_sessions: Sessions) -> StoreKey:
    return await new_store(orders_sessions)


@pytest.fixture
async def funded(
    stack: Stack, orders_sessions: Sessions, loyalty_sessions: Sessions
) -> KnownMember:
    return await fund(stack, orders_sessions, loyalty_sessions)


@pytest.fixture(scope="module")
async def till(stack: Stack, loyalty: Loyalty) -> AsyncIterator[httpx.AsyncClient]:
    async with running(stack.app("orders", loyalty_url=loyalty.url)) as client:
        yield client


async def _audit(sessions: Sessions, member: KnownMember) -> None:
    async with sessions() as session:
        assert await till_violations(session, [member.member_id]) == []
        report = await check_ledger_invariants(session, members=[member.member_id])
    assert report.ok, str(report)


async def test_loyalty_killed_between_hold_and_sale(
    loyalty: Loyalty,
    till: httpx.AsyncClient,
    orders_sessions: Sessions,
    loyalty_sessions: Sessions,
    store: StoreKey,
    funded: KnownMember,
) -> None:
    before = await balance(loyalty.url, funded)
    held = (await hold(till, store, funded, points=2_000)).json()
    assert await balance(loyalty.url, funded) == before - 2_000

    loyalty.kill()
    recorded = await footprint(orders_sessions, store, funded)
    refused = await sell(till, store, funded, paid_with(held))
    assert refused.status_code == 503, refused.text
    assert refused.json()["type"] == "urn:huiyuan:problem:loyalty-unavailable"
    assert await footprint(orders_sessions, store, funded) == recorded  # no sale recorded
    without = await sell(till, store, funded, [{"kind": "card", "amount_fen": TOTAL}])
    assert without.status_code == 201, without.text  # the sale goes through without points

    await loyalty.start()
    assert (await reservation(loyalty.url, held["reservation_id"]))["status"] == "held"
    assert await balance(loyalty.url, funded) == before - 2_000  # held, not lost
    # the hold runs out (the sweep, called at a time past it, as its loop would)
    assert await release_due(loyalty_sessions, datetime.now(UTC) + timedelta(minutes=16)) >= 1
    released = await reservation(loyalty.url, held["reservation_id"])
    assert (released["status"], released["release_reason"]) == ("released", "timeout")

    async def earned_for_the_card_sale() -> bool:
        return await balance(loyalty.url, funded) > before

    await eventually(earned_for_the_card_sale, timeout=30)  # back, plus the card sale's earn
    await _audit(loyalty_sessions, funded)


async def test_loyalty_killed_after_a_sale_paid_with_points(
    loyalty: Loyalty,
    till: httpx.AsyncClient,
    loyalty_sessions: Sessions,
    store: StoreKey,
    funded: KnownMember,
) -> None:
    held = (await hold(till, store, funded, amount_fen=1_500)).json()
    sold = await sell(till, store, funded, paid_with(held))
    assert sold.status_code == 201, sold.text
    loyalty.kill()
    await loyalty.start()

    async def confirmed() -> Any:
        found = await reservation(loyalty.url, held["reservation_id"])
        return found["status"] == "confirmed"

    await eventually(confirmed, timeout=30)  # the sale's event, through the broker
    # a day later nothing is swept back: the sale used the points, once
    await release_due(loyalty_sessions, datetime.now(UTC) + timedelta(days=2))
    assert (await reservation(loyalty.url, held["reservation_id"]))["status"] == "confirmed"
    async with httpx.AsyncClient(base_url=loyalty.url) as client:
        ledger = await client.get(f"/members/{funded.member_id}/ledger", headers=SERVICE)
    assert ledger.status_code == 200, ledger.text
    till_entries = [
        (e["kind"], e["points"])
        for e in ledger.json()["items"]
        if e["source_type"].startswith("till_") and e["source_id"] == held["reservation_id"]
    ]
    assert till_entries == [("hold", -1_500)]
    await _audit(loyalty_sessions, funded)
