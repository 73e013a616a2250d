"""``python -m bench.dispatcher``: how many messages per second the dispatcher delivers.

Starts an embedded PostgreSQL of its own in a scratch directory with the messaging schema,
and the local mail catcher and SMS gateway in a process of their own (as ``huiyuan up``
runs them), queues ``--messages`` notifications on one channel at a time and times the
dispatcher's batches until none is left: leasing, sending, recording and the outbox
events, everything but the consumer that queues them. docs/performance.md has figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import asyncpg
import httpx
import typer
from sqlalchemy import func
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from huiyuan.embedded.ports import free_port
from huiyuan.embedded.postgres import EmbeddedPostgres
from huiyuan.provision import provision_service, service_database_url, upgrade
from services.messaging.config import DEV_SMS_API_KEY, Settings
from services.messaging.delivery.jobs import Dispatcher
from services.messaging.delivery.kinds import providers
from services.messaging.notifications import repository
from services.messaging.notifications.models import Notification
from shared.crypto import PiiCipher
from shared.db import asyncpg_dsn, create_engine, create_sessions, transaction
from shared.events.messaging import Channel
from shared.settings import DEV_PII_KEY

CIPHER = PiiCipher(DEV_PII_KEY)


def _recipient(channel: Channel, n: int) -> str:
    return f"m{n}@example.com" if channel == "email" else f"+86139{n:08d}"


def notification_row(channel: Channel, n: int) -> dict[str, Any]:
    """A queued notification's ``notifications`` columns, due now, the ``n``-th recipient's."""
    now = datetime.now(UTC)
    return {
        "id": uuid.uuid4(),
        "member_id": uuid.uuid4(),
        "channel": channel,
        "template": "points_earned",
        "trigger_event_id": uuid.uuid4().hex,
        "status": "queued",
        "recipient_encrypted": CIPHER.encrypt(_recipient(channel, n)),
        "recipient_masked": "masked",
        "subject": "积分到账" if channel == "email" else None,
        "body": "您本次消费获得 120 积分，当前积分 1,820。",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


async def _prepare(admin_url: str) -> str:
    admin = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        await admin.execute("CREATE DATABASE dispatcher_bench")
    finally:
        await admin.close()
    database = make_url(admin_url).set(database="dispatcher_bench").render_as_string(False)
    await provision_service(database, "messaging", password=None)
    url = service_database_url(database, "messaging", password=None)
    await asyncio.to_thread(upgrade, "messaging", url)
    return url


async def _measure(settings: Settings, channel: Channel, messages: int) -> tuple[float, float]:
    """Messages per second of ``channel`` from the first lease to the last outcome, and
    the dispatcher's CPU per message (ms, this process only: not the providers')."""
    engine = create_engine(settings)
    sessions = create_sessions(engine)
    channels = providers(settings)
    try:
        async with transaction(sessions) as session:
            await repository.insert_notifications(
                session, [notification_row(channel, n) for n in range(messages)]
            )
        dispatcher = Dispatcher(
            settings=settings, sessions=sessions, cipher=CIPHER, providers=channels
        )
        started, cpu = time.monotonic(), time.process_time()
        while await dispatcher.dispatch_batch():
            pass
        took, cpu = time.monotonic() - started, time.process_time() - cpu
        async with sessions() as session:
            unsent = await session.scalar(
                select(func.count()).where(
                    col(Notification.channel) == channel, col(Notification.status) != "sent"
                )
            )
        if unsent:
            raise RuntimeError(f"{unsent} {channel} notifications were not sent")
        return messages / took, cpu / messages * 1000
    finally:
        for provider in channels.values():
            await provider.aclose()
        await engine.dispose()


def _wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer")


@contextlib.contextmanager
def messaging_database_and_providers() -> Iterator[tuple[str, int, int]]:
    """A scratch PostgreSQL with messaging's schema migrated, and the local SMTP and SMS
    providers in a process of their own: yields (messaging's database URL, the SMTP port,
    the SMS gateway's HTTP port); everything is stopped and removed after."""
    scratch = Path(tempfile.mkdtemp(prefix="huiyuan-bench-dispatcher-"))
    postgres = EmbeddedPostgres(scratch / "postgres")
    smtp_port, http_port = free_port(), free_port()
    local = subprocess.Popen(
        [
            sys.executable, "-m", "huiyuan.embedded.local_providers",
            "--store-dir", str(scratch / "inbox"),
            "--smtp-port", str(smtp_port), "--http-port", str(http_port),
            "--sms-api-key", DEV_SMS_API_KEY,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = asyncio.run(_prepare(postgres.start()))
        _wait_for(f"http://127.0.0.1:{http_port}/api/sms")
        yield url, smtp_port, http_port
    finally:
        local.terminate()
        local.wait()
        postgres.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def main(
    messages: Annotated[int, typer.Option(min=100, help="Messages per channel")] = 2000,
    rounds: Annotated[int, typer.Option(min=1, help="Times each channel is measured")] = 3,
) -> None:
    """Prints messages/s and the dispatcher's CPU ms per message, per channel, each round
    on its own."""
    with messaging_database_and_providers() as (url, smtp_port, http_port):
        settings = Settings(
            database_url=url,
            smtp_port=smtp_port,
            sms_gateway_url=f"http://127.0.0.1:{http_port}",
        )
        for channel in ("sms", "email"):
            runs = [asyncio.run(_measure(settings, channel, messages)) for _ in range(rounds)]
            figures = ", ".join(f"{rate:.0f} /s ({cpu:.2f} CPU ms each)" for rate, cpu in runs)
            typer.echo(f"{channel:5} {messages} messages per round: {figures}")


if __name__ == "__main__":
    typer.run(main)
