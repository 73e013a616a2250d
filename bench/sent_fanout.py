"""``python -m bench.sent_fanout``: what messaging's consumer spends on a
``messaging.notification.sent`` (one per SMS sent) that no webhook subscription names.

Messaging consumes its own ``notification.sent`` events only to offer them to webhook
subscriptions. This applies them through messaging's own consumer runner
(``EventConsumer.apply``, as a ``getmany()`` batch is applied) on an embedded PostgreSQL of
its own, one event per batch as at 20 SMS/s (``--batch N`` for N per batch), 2,000 events
measured after 200 warming, with no subscription, and prints per event: the statements
SQLAlchemy's ``before_cursor_execute`` sees, the ``BEGIN``/``COMMIT`` asyncpg sends (its
query logger), the wall time and this process's CPU (``time.process_time()``).
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from typing import Any

from sqlalchemy import event

from bench import alone
from services.messaging.config import Settings
from shared.db import create_engine, create_sessions
from shared.events import CloudEvent
from shared.events.messaging import NotificationSent

MEASURED = 2000
WARMING = 200


def _sent() -> CloudEvent:
    payload = NotificationSent(
        notification_id=uuid.uuid4(),
        member_id=uuid.uuid4(),
        channel="sms",
        template="points_earned",
        trigger_event_id=str(uuid.uuid4()),
        provider_message_id="bench",
    )
    return CloudEvent.of(payload, source="/huiyuan/messaging")


async def _measure(url: str, size: int) -> None:
    engine = create_engine(Settings(database_url=url))
    consumer = alone.consumer("messaging", create_sessions(engine))
    statements: list[str] = []
    transactions: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    def logged(record: Any) -> None:
        if record.query.split()[0].rstrip(";") in ("BEGIN", "COMMIT"):
            transactions.append(record.query)

    def watch(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(logged)

    event.listen(engine.sync_engine, "connect", watch)
    batches = [[_sent() for _ in range(size)] for _ in range((MEASURED + WARMING) // size)]
    warming = WARMING // size
    try:
        for batch in batches[:warming]:
            await alone.apply_batch(consumer, batch)
        transactions.clear()
        cpu, wall = await alone.timed_batches(consumer, engine, batches[warming:], count)
        n = size * len(batches[warming:])
        print(
            f"{n // size} batches of {size} notification.sent, no subscription: "
            f"{len(statements) / n:.2f} statements and {len(transactions) / n:.2f} "
            f"BEGIN/COMMIT, {wall / n * 1000:.3f} ms wall, {cpu / n * 1000:.3f} ms CPU per event"
        )
    finally:
        await engine.dispose()


async def main() -> None:
    size = int(sys.argv[sys.argv.index("--batch") + 1]) if "--batch" in sys.argv else 1
    async with alone.migrated("messaging") as scratch:
        await _measure(scratch.database_url, size)


if __name__ == "__main__":
    asyncio.run(main())
