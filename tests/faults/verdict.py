"""A fault run's verdict: what the checker found lost, duplicated or unexpected."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from services.loyalty.points.invariants import LedgerReport
from tests.faults.repeats import RepeatTally


@dataclass
class Verdict:
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    ledger: LedgerReport | None = None
    counts: dict[str, int] = field(default_factory=dict)
    repeats: RepeatTally = field(default_factory=RepeatTally)
    """Messages a member received twice at the providers, per fault."""
    stalled: str | None = None
    """What stayed undone when the backlog stopped moving after the load: a stuck
    consumer or dispatcher fails the run even if nothing is lost yet."""

    @property
    def ok(self) -> bool:
        clean = not (self.lost or self.duplicated or self.unexpected or self.stalled)
        clean = clean and not self.repeats.over_limit()
        return clean and self.ledger is not None and self.ledger.ok

    def summary(self) -> str:
        lines = [
            f"lost = {len(self.lost)}, duplicated = {len(self.duplicated)}, "
            f"unexpected = {len(self.unexpected)}",
            "ledger invariants: "
            + ("hold" if self.ledger is not None and self.ledger.ok else str(self.ledger)),
            "counts: " + ", ".join(f"{name} {value}" for name, value in self.counts.items()),
            f"messages received twice (email by Message-ID, SMS absorbed by the gateway): "
            f"{self.repeats.total}, per fault kind:",
            *self.repeats.lines(),
        ]
        if self.stalled is not None:
            lines.append(f"the backlog stopped moving: {self.stalled}")
        for label, items in (
            ("lost", self.lost),
            ("duplicated", self.duplicated),
            ("unexpected", self.unexpected),
            ("repeats", self.repeats.over_limit()),
        ):
            lines += [f"  {label}: {item}" for item in items[:10]]
        return "\n".join(lines)


def uuids(values: Iterable[object]) -> list[uuid.UUID]:
    return [uuid.UUID(str(value)) for value in values]
