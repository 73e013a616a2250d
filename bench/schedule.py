"""When each request is meant to go out: the open model's schedule.

A step offers a constant rate for a while; a ramp is steps of rising rate, to find the
highest rate the system sustains. Requests are spaced evenly, so the schedule is known
before the first request leaves and a slow answer never delays the next send.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    rate: float  # requests per second
    seconds: float

    @property
    def requests(self) -> int:
        return round(self.rate * self.seconds)


def constant(rate: float, seconds: float) -> list[Step]:
    if rate <= 0 or seconds <= 0:
        raise ValueError("a rate and a duration must be positive")
    return [Step(rate, seconds)]


def ramp(spec: str, seconds: float) -> list[Step]:
    """Steps from ``"START:STOP:STEP"`` requests per second, ``STOP`` included."""
    try:
        start, stop, increment = (float(part) for part in spec.split(":"))
    except ValueError:
        raise ValueError(
            f"a ramp is START:STOP:STEP in requests per second, not {spec!r}"
        ) from None
    if start <= 0 or increment <= 0 or stop < start:
        raise ValueError(f"ramp {spec!r}: need 0 < START <= STOP and STEP > 0")
    steps = []
    rate = start
    while rate <= stop + 1e-9:
        steps.extend(constant(rate, seconds))
        rate += increment
    return steps


def send_offsets(step: Step, *, share: int = 0, shares: int = 1) -> list[tuple[int, float]]:
    """``(request number, seconds after the step starts)`` for the requests of one share.

    Generator processes split a step by taking every ``shares``-th request, so together
    they keep the step's even spacing.
    """
    if not 0 <= share < shares:
        raise ValueError(f"share {share} of {shares}")
    interval = 1.0 / step.rate
    return [(number, number * interval) for number in range(share, step.requests, shares)]
