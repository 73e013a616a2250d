"""``python -m tests.faults``: a fault run from the command line (``make faults`` calls it)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import signal
import sys
import tempfile
from pathlib import Path

from tests.faults.run import RunConfig, run
from tests.faults.schedule import fault_kinds


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.faults", description=__doc__)
    parser.add_argument("--seed", type=int, default=random.randrange(1, 10**6))
    parser.add_argument("--purchases", type=int, default=50_000)
    parser.add_argument("--faults", type=int, default=100)
    parser.add_argument("--rate", type=float, default=45.0, help="operations per second")
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument(
        "--replicas",
        type=int,
        default=1,
        help="processes each of loyalty and messaging; their kills join the fault kinds",
    )
    parser.add_argument("--kinds", default=None, help="default: every kind (fault_kinds)")
    parser.add_argument(
        "--no-household-moves",
        action="store_true",
        help="open the households but move no member out or in during the load",
    )
    parser.add_argument(
        "--spaced", type=float, default=None, help="faults this many seconds apart, in turn"
    )
    parser.add_argument("--root", type=Path, default=None, help="data dir (default: a temp dir)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    config = RunConfig(
        seed=args.seed,
        purchases=args.purchases,
        faults=args.faults,
        rate=args.rate,
        members=args.members,
        kinds=tuple(args.kinds.split(",")) if args.kinds else fault_kinds(args.replicas),
        spaced_seconds=args.spaced,
        household_moves=not args.no_household_moves,
        replicas=args.replicas,
    )
    print(f"fault run, seed {config.seed}: {config.command()}", flush=True)
    # a SIGTERM (a CI timeout, say) must still stop the processes the run started
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    root = args.root or Path(tempfile.mkdtemp(prefix="huiyuan-faults-"))
    report = asyncio.run(run(config, root, lambda line: print(line, flush=True)))
    print(report.render(), flush=True)
    return 0 if report.verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
