"""A short fault run in every ``make test``: each kind of fault once, under load, seconds long.

The seed is printed and can be set with ``FAULTS_SEED`` to replay a failure; ``make
faults`` runs the long schedule.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

from tests.faults.run import RunConfig, run
from tests.faults.schedule import FAULT_KINDS


async def test_nothing_is_lost_doubled_or_invented_while_every_part_fails_once(
    tmp_path: Path,
) -> None:
    seed = int(os.environ.get("FAULTS_SEED") or random.randrange(1, 10**6))
    print(f"fault run seed {seed} (replay with FAULTS_SEED={seed})")
    config = RunConfig(
        seed=seed,
        purchases=400,
        faults=len(FAULT_KINDS),
        rate=30,
        members=40,
    )
    report = await run(config, tmp_path, print)
    print(report.render())
    assert report.verdict.lost == []
    assert report.verdict.duplicated == []
    assert report.verdict.unexpected == []
    assert report.verdict.repeats.over_limit() == []  # at most what was in flight per fault
    assert report.verdict.ledger is not None
    assert report.verdict.ledger.ok, report.verdict.ledger
    assert report.verdict.counts["purchases"] == 400
    assert len(report.recoveries) == len(FAULT_KINDS)  # every fault really happened
