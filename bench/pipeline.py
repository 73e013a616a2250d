"""How far the purchase pipeline has got, read from the services' own tables.

A purchase's journey: accepted (its row commits in orders) → points visible (its earn
entry commits in loyalty) → notification queued (messaging commits the notification rows
for the ``loyalty.points.earned`` event). With ``track_commit_timestamp`` on (the embedded
stack switches it on) the three moments are the commit timestamps of those rows
(``pg_xact_commit_timestamp(xmin)``; messaging's inbox row for the event commits with
its notifications and is never updated). Without it they are the rows' ``created_at``,
stamped shortly before the commit. Both are one clock: the database host's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from bench.stack import libpq_url

_MOMENTS = {
    True: (
        "pg_xact_commit_timestamp(p.xmin)",
        "pg_xact_commit_timestamp(l.xmin)",
        "CASE WHEN n.created_at IS NOT NULL THEN pg_xact_commit_timestamp(i.xmin) END",
    ),
    False: ("p.created_at", "l.created_at", "n.created_at"),
}
_JOURNEYS = """
SELECT extract(epoch FROM {accepted})::float8,
       extract(epoch FROM {visible})::float8,
       extract(epoch FROM {notified})::float8
FROM orders.purchases p
LEFT JOIN loyalty.ledger_entries l ON l.source_type = 'purchase' AND l.source_id = p.id
LEFT JOIN loyalty.outbox o
       ON o.event_type = 'loyalty.points.earned'
      AND o.envelope -> 'data' ->> 'entry_id' = l.id::text
LEFT JOIN messaging.inbox i ON i.event_id = o.event_id
LEFT JOIN LATERAL (
    SELECT min(created_at) AS created_at FROM messaging.notifications
    WHERE trigger_event_id = o.event_id
) n ON true
WHERE p.id = ANY($1::uuid[])
"""
# Both sequences only grow during a run: each accepted sale adds one orders outbox row,
# each applied sale one loyalty ledger entry, so their difference is the backlog.
_PROGRESS = """
SELECT (SELECT coalesce(max(seq), 0) FROM orders.outbox),
       (SELECT coalesce(max(seq), 0) FROM loyalty.ledger_entries)
"""


@dataclass(frozen=True)
class Journey:
    """Epoch seconds of each moment; ``None`` where the purchase has not got there."""

    accepted: float
    visible: float | None
    notified: float | None


class Pipeline:
    def __init__(self, admin_url: str) -> None:
        self._url = libpq_url(admin_url)
        self._pool: asyncpg.Pool | None = None
        self.commit_timestamps = False

    async def open(self) -> None:
        # two: the backlog sampler and the step's journeys read at the same time
        self._pool = await asyncpg.create_pool(self._url, min_size=2, max_size=2)
        setting = await self._pool.fetchval("SHOW track_commit_timestamp")
        self.commit_timestamps = setting == "on"

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()

    @property
    def clock(self) -> str:
        if self.commit_timestamps:
            return "commit timestamps (track_commit_timestamp = on)"
        return "rows' created_at (track_commit_timestamp is off), stamped just before commit"

    @property
    def _db(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("Pipeline.open() first")
        return self._pool

    async def progress(self) -> tuple[int, int]:
        """(sales accepted so far, sales whose points are visible so far), as sequence values."""
        row = await self._db.fetchrow(_PROGRESS)
        return int(row[0]), int(row[1])

    async def journeys(self, purchase_ids: Sequence[str]) -> list[Journey]:
        accepted, visible, notified = _MOMENTS[self.commit_timestamps]
        query = _JOURNEYS.format(accepted=accepted, visible=visible, notified=notified)
        rows = await self._db.fetch(query, list(purchase_ids))
        return [Journey(row[0], row[1], row[2]) for row in rows]
