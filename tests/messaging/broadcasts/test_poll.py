"""The broadcasts' worker polls twice a second: a poll that finds nothing due is one
statement, without a transaction."""

from __future__ import annotations

from services.messaging.broadcasts import jobs
from shared.crypto import PiiCipher
from shared.db import create_engine, create_sessions
from shared.settings import DEV_PII_KEY
from tests.loyalty.statements import round_trips
from tests.stack import Stack


async def test_a_poll_that_finds_nothing_due_is_one_statement(stack: Stack) -> None:
    engine = create_engine(stack.settings("messaging"))
    sessions = create_sessions(engine)
    cipher = PiiCipher(DEV_PII_KEY)
    try:
        with round_trips(sessions) as sent:
            for _ in range(100):  # what other tests left due, if anything, goes first
                if await jobs.poll(sessions, cipher):
                    break
            sent.clear()
            assert await jobs.poll(sessions, cipher) > 0
    finally:
        await engine.dispose()

    assert len(sent) == 1, sent
    assert sent[0].startswith("SELECT min(messaging.broadcasts.due_at)")
