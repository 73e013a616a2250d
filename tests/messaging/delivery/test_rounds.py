"""What a dispatcher round costs: one statement when nothing is due, and a linger that
gathers the messages queued in quick succession into one round, which still sends them."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import text
from sqlmodel import col, select

from services.messaging.notifications.domain import DISPATCH_CHANNEL
from services.messaging.notifications.models import Notification
from shared.db import Sessions, asyncpg_dsn, transaction
from shared.notify import Wakeups
from tests.loyalty.statements import round_trips
from tests.messaging import events
from tests.messaging.conftest import SmsEndpoint
from tests.messaging.delivery.workers import dispatcher
from tests.messaging.rows import insert_notification
from tests.stack import Stack, eventually


async def test_a_round_that_finds_nothing_due_sends_one_statement_and_no_transaction(
    stack: Stack, sms_gateway: SmsEndpoint
) -> None:
    async with dispatcher(stack, sms_gateway) as (worker, sessions):
        with round_trips(sessions) as sent:
            async with transaction(sessions) as session:  # the counter sees transactions
                await session.execute(text("SELECT 1"))
            assert sorted(s.split()[0].rstrip(";") for s in sent) == ["BEGIN", "COMMIT", "SELECT"]
            while await worker.dispatch_batch():  # what other tests left due, if anything
                pass
            sent.clear()
            assert await worker.dispatch_batch() == 0

    assert len(sent) == 1, sent
    assert sent[0].startswith("UPDATE messaging.notifications SET status=")


async def test_messages_queued_within_the_linger_go_in_one_round_and_are_sent(
    stack: Stack, messaging_sessions: Sessions, sms_gateway: SmsEndpoint
) -> None:
    async with dispatcher(stack, sms_gateway, delivery_linger_ms=1000) as (worker, _):
        wakeups = Wakeups(asyncpg_dsn(stack.settings("messaging").database_url), DISPATCH_CHANNEL)
        running = asyncio.create_task(worker.run(wakeups))
        try:
            await asyncio.sleep(0.3)  # the dispatcher is listening
            ids = []
            for _ in range(3):
                row = await insert_notification(
                    messaging_sessions, channel="sms", to=events.phone(), body="您的积分已到账"
                )
                ids.append(row["id"])

            async def sent() -> list[Notification] | None:
                query = select(Notification).where(col(Notification.id).in_(ids))
                async with messaging_sessions() as session:
                    rows = list(await session.scalars(query))
                done = len(rows) == len(ids) and all(r.status == "sent" for r in rows)
                return rows if done else None

            rows = await eventually(sent, timeout=10)
        finally:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
            await wakeups.close()

    # a round's lease sets every message it takes to the same lease end
    assert len({r.next_attempt_at for r in rows}) == 1
    assert {uuid.UUID(str(r.id)) for r in rows} == set(ids)
