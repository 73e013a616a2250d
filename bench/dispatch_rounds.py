"""``python -m bench.dispatch_rounds``: what the dispatcher's rounds cost at a low rate.

Starts an embedded PostgreSQL of its own with the messaging schema and the local SMS
gateway (as ``bench.dispatcher`` does), runs the dispatcher as the service runs it (woken
by ``pg_notify``, polling every second) and, from another process, queues SMS one per
transaction at ``--rate`` per second for ``--seconds``, as the consumer queues a sale's
points message. Each ``--linger`` (ms) is measured in turn, round after round (A B A B).
Per SMS it prints the dispatcher's CPU (this process: leasing, sending, recording; the
writer is the other process), its statements and transactions, how many messages a round
took, and the time from queued to sent (p50, p99). docs/performance.md has figures.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from typing import Annotated, Any

import typer
from sqlalchemy import event, func
from sqlmodel import col, select

from bench.dispatcher import CIPHER, messaging_database_and_providers, notification_row
from services.messaging.config import Settings
from services.messaging.delivery.jobs import Dispatcher
from services.messaging.delivery.kinds import providers
from services.messaging.notifications import repository
from services.messaging.notifications.domain import DISPATCH_CHANNEL
from services.messaging.notifications.models import Notification
from shared.db import asyncpg_dsn, create_engine, create_sessions, transaction
from shared.notify import Wakeups


def _queue(database_url: str, rate: float, seconds: float) -> None:
    """The writer (a process of its own): SMS queued one per transaction at ``rate``/s."""

    async def write() -> None:
        engine = create_engine(Settings(database_url=database_url))
        sessions = create_sessions(engine)
        start = time.monotonic()
        for n in range(round(rate * seconds)):
            await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
            async with transaction(sessions) as session:
                await repository.insert_notifications(session, [notification_row("sms", n)])
        await engine.dispose()

    asyncio.run(write())


async def _measure(settings: Settings, rate: float, seconds: float) -> dict[str, float]:
    engine = create_engine(settings)
    sessions = create_sessions(engine)
    counts = {"statements": 0, "commits": 0}

    def statement(*_: Any) -> None:
        counts["statements"] += 1

    def commit(*_: Any) -> None:
        counts["commits"] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", statement)
    event.listen(engine.sync_engine, "commit", commit)
    channels = providers(settings)
    wakeups = Wakeups(asyncpg_dsn(settings.database_url), DISPATCH_CHANNEL)
    dispatcher = Dispatcher(settings=settings, sessions=sessions, cipher=CIPHER, providers=channels)
    running = asyncio.create_task(dispatcher.run(wakeups))
    try:
        await asyncio.sleep(1.0)  # listening, and an idle poll behind it
        async with transaction(sessions) as session:
            since = await session.scalar(select(func.now()))
        counts.update(statements=0, commits=0)
        cpu = time.process_time()
        writer = multiprocessing.get_context("spawn").Process(
            target=_queue, args=(settings.database_url, rate, seconds)
        )
        writer.start()
        await asyncio.to_thread(writer.join)
        expected = round(rate * seconds)
        sent = select(
            Notification.created_at, Notification.sent_at, Notification.next_attempt_at
        ).where(col(Notification.created_at) >= since, col(Notification.status) == "sent")
        while True:
            async with sessions() as session:
                rows = (await session.execute(sent)).all()
            if len(rows) >= expected:
                break
            await asyncio.sleep(0.05)
        cpu = time.process_time() - cpu
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await wakeups.close()
        for provider in channels.values():
            await provider.aclose()
        await engine.dispose()
    waits = sorted((sent - queued).total_seconds() * 1000 for queued, sent, _ in rows)
    rounds = len({lease for *_, lease in rows})
    return {
        "cpu_ms": cpu / expected * 1000,
        "statements": counts["statements"] / expected,
        "transactions": counts["commits"] / expected,
        "per_round": expected / rounds,
        "p50": waits[len(waits) // 2],
        "p99": waits[min(len(waits) - 1, int(len(waits) * 0.99))],
    }


def main(
    linger: Annotated[list[int] | None, typer.Option(help="delivery_linger_ms to compare")] = None,
    rate: Annotated[float, typer.Option(min=1, help="SMS queued per second")] = 20.0,
    seconds: Annotated[float, typer.Option(min=1, help="Seconds of queuing per run")] = 20.0,
    rounds: Annotated[int, typer.Option(min=1, help="Times each linger is measured")] = 2,
) -> None:
    """Prints, per run, the dispatcher's CPU, statements and transactions per SMS, SMS per
    round and the queued-to-sent time."""
    with messaging_database_and_providers() as (url, _, http_port):
        for round_ in range(1, rounds + 1):
            for ms in linger or [0, 100]:
                settings = Settings(
                    database_url=url,
                    sms_gateway_url=f"http://127.0.0.1:{http_port}",
                    delivery_linger_ms=ms,
                )
                f = asyncio.run(_measure(settings, rate, seconds))
                typer.echo(
                    f"round {round_}, linger {ms:4d} ms: {f['cpu_ms']:.2f} CPU ms per SMS, "
                    f"{f['statements']:.2f} statements and {f['transactions']:.2f} "
                    f"transactions per SMS, {f['per_round']:.1f} SMS per round, "
                    f"queued to sent p50 {f['p50']:.0f} ms, p99 {f['p99']:.0f} ms"
                )


if __name__ == "__main__":
    typer.run(main)
