"""CPU seconds of each process of the system under test, read before and after a window.

A process counts with its whole tree: PostgreSQL's backends are the postmaster's
children, and a child that exits during the window is still counted, in its parent's
``children_*`` times once reaped.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

import psutil


def _own_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system + times.children_user + times.children_system)


def tree_seconds(pid: int) -> float | None:
    """CPU seconds used so far by ``pid`` and its descendants; ``None`` if it is gone."""
    try:
        root = psutil.Process(pid)
        total = _own_seconds(root)
        descendants = root.children(recursive=True)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None
    for child in descendants:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += _own_seconds(child)
    return total


def snapshot(processes: Mapping[str, int]) -> dict[str, float]:
    seconds = {name: tree_seconds(pid) for name, pid in processes.items()}
    return {name: value for name, value in seconds.items() if value is not None}


def usage(
    before: Mapping[str, float], after: Mapping[str, float], wall_seconds: float
) -> dict[str, dict[str, float]]:
    """Per process: CPU seconds in the window, and as a percentage of one core."""
    return {
        name: {
            "cpu_seconds": round(after[name] - before[name], 3),
            "percent_of_a_core": round(100 * (after[name] - before[name]) / wall_seconds, 1),
        }
        for name in before
        if name in after and wall_seconds > 0
    }
