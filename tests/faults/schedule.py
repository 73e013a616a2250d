"""A seeded fault schedule: the same seed always gives the same faults at the same times."""

from __future__ import annotations

import random
from dataclasses import dataclass

from huiyuan.config import REPLICATED

SERVICE_KILLS = tuple(
    f"kill:{service}" for service in ("orders", "loyalty", "messaging", "customer", "analytics")
)
FAULT_KINDS: tuple[str, ...] = (
    *SERVICE_KILLS,
    "restart:broker",
    "terminate:backends",
    "restart:postgres",
)


def replica_kills(replicas: int) -> tuple[str, ...]:
    """Kills of the second and later processes of loyalty and messaging (``kill:loyalty-2``)."""
    return tuple(f"kill:{service}-{n}" for n in range(2, replicas + 1) for service in REPLICATED)


def fault_kinds(replicas: int) -> tuple[str, ...]:
    """Every kind of fault a cluster with ``replicas`` processes of the replicated services has."""
    return (*FAULT_KINDS, *replica_kills(replicas))


@dataclass(frozen=True)
class Fault:
    at: float  # seconds after the load starts
    kind: str

    @property
    def target(self) -> str:
        return self.kind.split(":", 1)[1]


def plan(
    seed: int, count: int, duration: float, kinds: tuple[str, ...] = FAULT_KINDS
) -> list[Fault]:
    """``count`` faults spread over the middle 80% of ``duration``.

    Every kind appears at least once when ``count`` allows; the rest are drawn at random.
    """
    rng = random.Random(seed)
    chosen = list(kinds[:count]) + [rng.choice(kinds) for _ in range(count - len(kinds))]
    rng.shuffle(chosen)
    times = sorted(rng.uniform(0.1 * duration, 0.9 * duration) for _ in chosen)
    return [Fault(round(at, 3), kind) for at, kind in zip(times, chosen, strict=True)]


def spaced(count: int, gap: float, kinds: tuple[str, ...] = FAULT_KINDS) -> list[Fault]:
    """``count`` faults ``gap`` seconds apart, cycling through ``kinds``: one at a time, so
    each one's recovery can be measured on its own."""
    return [Fault(gap * (n + 1), kinds[n % len(kinds)]) for n in range(count)]
