"""``python -m bench.clv_value``: the CPU a CLV valuation costs, by members and horizon.

Values ``--members`` members (each count of a comma list) over each ``--horizons`` time
unit count with :func:`services.analytics.clv.domain.lifetime_values` and CDNOW's estimates
(in days), in this process, and prints the CPU seconds (user + system) of each, the
median of ``--repeat`` runs. The members' summaries are drawn as the service makes them,
in whole days over a 39-week calibration period (``--summaries days``), or with every
member's age distinct (``distinct``: the worst case, no two members share an expectation
curve). ``--memory`` adds the valuation's peak of traced allocations (tracemalloc, which
numpy reports to; a run of its own, as tracing costs CPU). Nothing but numpy and scipy:
the same file measures an older tree (``PYTHONPATH=<tree>``).
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc

import numpy as np

from services.analytics.clv import domain

CDNOW_DAYS = domain.BgNbd(r=0.243, alpha=4.414 * 7, a=0.793, b=2.426)
CALIBRATION_DAYS = 39 * 7
DAILY_RATE = domain.discount_per_unit(0.1, "day")


def summaries(
    count: int, kind: str, seed: int = 19
) -> tuple[domain.Floats, domain.Floats, domain.Floats]:
    """(x, t_x, T) in days: x = 0 for about half, else 1 to 30 repeat days."""
    rng = np.random.default_rng(seed)
    if kind == "days":
        age = rng.integers(0, CALIBRATION_DAYS, count).astype(np.float64)
    else:
        age = rng.uniform(0, CALIBRATION_DAYS, count)
    x = np.where(rng.random(count) < 0.5, 0, rng.integers(1, 31, count)).astype(np.float64)
    t_x = np.where(x > 0, np.floor(rng.random(count) * age), 0.0)
    return x, t_x, age


def cpu_seconds(members: int, horizon: int, kind: str) -> float:
    x, t_x, age = summaries(members, kind)
    spend = np.full(members, 3000.0)
    started = time.process_time()
    domain.lifetime_values(CDNOW_DAYS, spend, (x, t_x, age), horizon, DAILY_RATE)
    return time.process_time() - started


def peak_bytes(members: int, horizon: int, kind: str) -> int:
    x, t_x, age = summaries(members, kind)
    spend = np.full(members, 3000.0)
    tracemalloc.start()
    try:
        domain.lifetime_values(CDNOW_DAYS, spend, (x, t_x, age), horizon, DAILY_RATE)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", default="1,1000,10000")
    parser.add_argument("--horizons", default="52,3650")
    parser.add_argument("--summaries", choices=("days", "distinct"), default="days")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory", action="store_true")
    options = parser.parse_args()
    print("members horizon cpu_s" + (" peak_mb" if options.memory else ""))
    for horizon in (int(h) for h in options.horizons.split(",")):
        for members in (int(m) for m in options.members.split(",")):
            runs = [cpu_seconds(members, horizon, options.summaries) for _ in range(options.repeat)]
            line = f"{members} {horizon} {statistics.median(runs):.4f}"
            if options.memory:
                line += f" {peak_bytes(members, horizon, options.summaries) / 2**20:.1f}"
            print(line, flush=True)


if __name__ == "__main__":
    main()
