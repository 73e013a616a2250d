"""Latency distributions in HdrHistograms: one for the whole step, one per second of the run.

Values are microseconds from a request's *intended* start (its place in the schedule),
not from when it actually left: a server that stalls makes every request scheduled
during the stall late, and that delay is counted (no coordinated omission).
"""

from __future__ import annotations

from typing import Any

from hdrh.histogram import HdrHistogram

MAX_MICROSECONDS = 3_600_000_000  # an hour; anything slower is recorded as an hour
PERCENTILES = (50.0, 99.0, 99.9)


def _histogram(significant_figures: int) -> HdrHistogram:
    return HdrHistogram(1, MAX_MICROSECONDS, significant_figures)


class Latencies:
    """Where each latency goes: ``at`` is the intended start, in seconds since the run began."""

    def __init__(self) -> None:
        self.total = _histogram(3)
        self.by_second: dict[int, HdrHistogram] = {}

    def record(self, seconds: float, at: float) -> None:
        value = min(max(round(seconds * 1_000_000), 1), MAX_MICROSECONDS)
        self.total.record_value(value)
        second = int(at)
        bucket = self.by_second.get(second)
        if bucket is None:
            bucket = self.by_second[second] = _histogram(2)
        bucket.record_value(value)

    def record_from(self, intended: float, completed: float, origin: float) -> None:
        """A request meant to start at ``intended`` that completed at ``completed``; both on
        the clock of ``origin``, the run's start."""
        self.record(completed - intended, intended - origin)

    @property
    def count(self) -> int:
        count: int = self.total.get_total_count()
        return count

    def percentile_ms(self, percentile: float) -> float:
        if self.count == 0:
            return 0.0
        return float(self.total.get_value_at_percentile(percentile)) / 1000

    def summary(self) -> dict[str, float | int]:
        """Count, percentiles and max in milliseconds (``p99.9`` for the 99.9th)."""
        figures: dict[str, float | int] = {"count": self.count}
        for percentile in PERCENTILES:
            figures[f"p{percentile:g}"] = round(self.percentile_ms(percentile), 3)
        figures["max"] = round(float(self.total.get_max_value()) / 1000, 3) if self.count else 0.0
        return figures

    def series(self) -> list[dict[str, float | int]]:
        """Per second of the run: how many, p50, p99 and max in milliseconds."""
        return [
            {
                "second": second,
                "count": int(bucket.get_total_count()),
                "p50": float(bucket.get_value_at_percentile(50)) / 1000,
                "p99": float(bucket.get_value_at_percentile(99)) / 1000,
                "max": float(bucket.get_max_value()) / 1000,
            }
            for second, bucket in sorted(self.by_second.items())
        ]

    def merge(self, other: Latencies) -> None:
        self.total.add(other.total)
        for second, bucket in other.by_second.items():
            mine = self.by_second.get(second)
            if mine is None:
                self.by_second[second] = mine = _histogram(2)
            mine.add(bucket)

    def encode(self) -> dict[str, Any]:
        """A compact, picklable and JSON-able form (HdrHistogram's own encoding)."""
        return {
            "total": self.total.encode().decode(),
            "by_second": {str(s): h.encode().decode() for s, h in self.by_second.items()},
        }

    @classmethod
    def decode(cls, encoded: dict[str, Any]) -> Latencies:
        latencies = cls()
        latencies.total = HdrHistogram.decode(encoded["total"].encode())
        latencies.by_second = {
            int(s): HdrHistogram.decode(h.encode()) for s, h in encoded["by_second"].items()
        }
        return latencies
