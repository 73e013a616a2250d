"""Two processes each of loyalty and messaging under load, each kind of them killed once.

``huiyuan up --replicas 2`` as the fault suite runs it (``make faults REPLICAS=2`` is the
long run): the replicas share their service's consumer group, which spreads the topics'
partitions (6 here, 3 a replica) among them, and their relays claim outbox rows with
``SKIP LOCKED``. Killing either process of loyalty mid-load must leave every sale earning
exactly once, and both processes must have done part of the work. The seed is printed and
can be set with ``FAULTS_SEED`` to replay a failure.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from tests.faults.run import RunConfig, run
from tests.faults.schedule import replica_kills

KINDS = ("kill:loyalty", *replica_kills(2))
PURCHASES = 200


# seven service processes under load: on a 2-core machine busy with other work the load
# alone has taken over 250 s (docs/reliability.md, "Results")
@pytest.mark.timeout(900)
async def test_a_replica_killed_under_load_loses_and_doubles_nothing(tmp_path: Path) -> None:
    seed = int(os.environ.get("FAULTS_SEED") or random.randrange(1, 10**6))
    print(f"replica fault run seed {seed} (replay with FAULTS_SEED={seed})")
    config = RunConfig(
        seed=seed,
        purchases=PURCHASES,
        faults=len(KINDS),
        rate=30,
        members=40,
        kinds=KINDS,
        replicas=2,
    )
    report = await run(config, tmp_path, print)
    print(report.render())
    assert report.verdict.lost == []
    assert report.verdict.duplicated == []
    assert report.verdict.unexpected == []
    assert report.verdict.repeats.over_limit() == []
    assert report.verdict.ledger is not None
    assert report.verdict.ledger.ok, report.verdict.ledger
    assert report.verdict.counts["purchases"] == PURCHASES
    assert sorted(r.fault.kind for r in report.recoveries) == sorted(KINDS)
    # the group spread the partitions and both relays claimed rows: each process of loyalty
    # and of messaging applied events and published outbox rows
    assert report.work is not None
    assert set(report.work.work) == {"loyalty", "loyalty-2", "messaging", "messaging-2"}
    assert report.work.idle() == [], report.work.render()
    # the broker holds an event twice only where a relay was killed between the broker's
    # acknowledgement and its commit: two live relays never publish one row twice
    assert set(report.work.published_twice) == {"loyalty.events", "messaging.events"}
    assert report.work.unexplained_twice == []
