"""``python -m bench.receipt_cost``: what an SMS delivery receipt costs messaging.

Starts an embedded PostgreSQL and broker and one messaging process (uvicorn, as ``huiyuan
up`` runs it; see :mod:`bench.alone`), records ``--receipts`` SMS as sent through the
provider ``primary`` (straight into the table), then posts a ``delivered`` receipt for
each, signed per Standard Webhooks as the local gateway signs them, from ``--concurrency``
clients: with ``--batch 0`` one request per receipt to ``/webhooks/sms/receipts/primary``
(what the gateway did before issue 19's second round), otherwise arrays of ``--batch``
receipts to ``/webhooks/sms/receipts/primary/batch``. Each of ``--rounds`` rounds does so
with SMS of its own, and prints receipts/s and messaging's CPU per receipt (the process's
user + system time, PostgreSQL apart), also without the CPU it spends idle (measured for
3 s before the round). The requests are signed before the clock starts.

Run from a ``git archive`` of older code with ``--batch 0`` to measure that code's
single route (the module only needs what ``bench.alone`` needs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Sequence
from datetime import UTC, datetime

import asyncpg
import psutil
from standardwebhooks import Webhook

from bench import alone
from services.messaging.config import DEV_SMS_RECEIPT_SECRETS
from shared.db import asyncpg_dsn
from shared.http import Client

IDLE_SECONDS = 3.0
"""How long messaging's idle CPU (its dispatcher, relay and consumer polling) is measured
before each round, to tell it from the receipts' own."""
PROVIDER = "primary"
PATH = f"/webhooks/sms/receipts/{PROVIDER}"

_SENT = """
INSERT INTO messaging.notifications (
    id, member_id, channel, template, trigger_event_id, status, recipient_masked, body,
    attempts, next_attempt_at, created_at, sent_at, provider, provider_message_id
)
SELECT gen_random_uuid(), gen_random_uuid(), 'sms', 'points_earned', id, 'sent', '139****0000',
       'hi', 1, now(), now(), now(), $1, id
FROM unnest($2::text[]) AS id
"""


async def _record_sent(database_url: str, message_ids: Sequence[str]) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await connection.execute(_SENT, PROVIDER, list(message_ids))
    finally:
        await connection.close()


def _signed(body: str) -> dict[str, str]:
    now, webhook_id = datetime.now(UTC), f"bench-{uuid.uuid4().hex}"
    return {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(DEV_SMS_RECEIPT_SECRETS[PROVIDER]).sign(webhook_id, now, body),
    }


def requests(message_ids: Sequence[str], batch: int) -> list[tuple[str, bytes, dict[str, str]]]:
    """``(path, body, headers)`` of each request posting a receipt for every id: one each
    (``batch`` 0) or arrays of ``batch``."""
    at = datetime.now(UTC).isoformat()
    receipts = [{"message_id": m, "status": "delivered", "at": at} for m in message_ids]
    if batch == 0:
        bodies = [(PATH, json.dumps(r)) for r in receipts]
    else:
        chunks = [receipts[i : i + batch] for i in range(0, len(receipts), batch)]
        bodies = [(f"{PATH}/batch", json.dumps(chunk)) for chunk in chunks]
    return [(path, body.encode(), _signed(body)) for path, body in bodies]


async def _post_all(
    url: str, prepared: list[tuple[str, bytes, dict[str, str]]], concurrency: int
) -> None:
    client = Client(base_url=url, timeout_seconds=60.0, keepalive_seconds=4.0)
    pending = iter(prepared)

    async def worker() -> None:
        for path, body, headers in pending:
            answer = await client.request("POST", path, data=body, headers=headers)
            if answer.status != 200:
                raise RuntimeError(f"{path}: {answer.status} {answer.body[:200]!r}")

    try:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        await client.close()


async def run(receipts: int, batch: int, rounds: int, concurrency: int) -> None:
    async with alone.migrated("messaging") as scratch:
        with alone.served("messaging", scratch) as served:
            process = psutil.Process(served.pid)
            for n in range(1, rounds + 1):
                message_ids = [uuid.uuid4().hex for _ in range(receipts)]
                await _record_sent(scratch.database_url, message_ids)
                prepared = requests(message_ids, batch)
                await asyncio.sleep(1.0)  # let the service settle after the inserts
                idle = await _cpu_seconds(process, asyncio.sleep(IDLE_SECONDS)) / IDLE_SECONDS
                wall = time.perf_counter()
                cpu = await _cpu_seconds(process, _post_all(served.url, prepared, concurrency))
                wall = time.perf_counter() - wall
                print(
                    f"round {n}: {receipts} receipts in {len(prepared)} requests "
                    f"(batch {batch or 'none: the single route'}): {receipts / wall:,.0f}/s, "
                    f"messaging CPU {cpu * 1000 / receipts:.3f} ms per receipt "
                    f"({(cpu - idle * wall) * 1000 / receipts:.3f} ms without its idle "
                    f"{idle * 1000:.0f} ms/s)",
                    flush=True,
                )


async def _cpu_seconds(process: psutil.Process, work: Awaitable[None]) -> float:
    """The process's user + system CPU seconds while ``work`` runs."""
    before = process.cpu_times()
    await work
    after = process.cpu_times()
    return float((after.user - before.user) + (after.system - before.system))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receipts", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100, help="0: one request per receipt")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    asyncio.run(run(args.receipts, args.batch, args.rounds, args.concurrency))


if __name__ == "__main__":
    main()
