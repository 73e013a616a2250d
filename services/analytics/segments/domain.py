"""Pure rules of the saved segments: how a run's difference is cut into events, and when
the schedule refreshes a segment next. No I/O."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

Chunk = tuple[list[uuid.UUID], list[uuid.UUID]]
"""``(added, removed)`` member ids of one ``analytics.segment.changed``."""


def chunks(added: Sequence[uuid.UUID], removed: Sequence[uuid.UUID], size: int) -> list[Chunk]:
    """The difference cut into events of at most ``size`` ids (added and removed
    together): the added ids first, in order, then the removed ones; a chunk may carry
    both where the added run out. A run with no difference is one empty chunk, so every
    run tells its consumers its number, name and size."""
    if size < 1:
        raise ValueError("a chunk holds at least one id")
    tagged = [(True, m) for m in added] + [(False, m) for m in removed]
    if not tagged:
        return [([], [])]
    out: list[Chunk] = []
    for start in range(0, len(tagged), size):
        part = tagged[start : start + size]
        out.append(([m for a, m in part if a], [m for a, m in part if not a]))
    return out


def next_refresh(now: datetime, every_hours: int) -> datetime:
    """When the schedule queues the next run after one queued at ``now``."""
    return now + timedelta(hours=every_hours)
