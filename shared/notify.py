"""Low-latency wake-ups over PostgreSQL LISTEN/NOTIFY.

A writer calls ``pg_notify(channel, '')`` inside its transaction; PostgreSQL delivers the
notification at commit, so a waiter never wakes before the rows it cares about are
visible. Waiters still time out and look anyway, so a lost connection costs at most one
timeout of latency, never a stuck worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import asyncpg

from shared.background import raise_if_cancelling

log = logging.getLogger(__name__)

LISTEN_TIMEOUT_SECONDS = 5.0
"""How long connecting and ``LISTEN`` may take together: a server that accepts the
connection and then never answers must not hold the waiter (and its loop) forever."""


class Wakeups:
    """Waits for notifications on one channel, reconnecting when the connection drops."""

    def __init__(self, dsn: str, channel: str) -> None:
        self._dsn = dsn
        self._channel = channel
        self._event = asyncio.Event()
        self._connection: asyncpg.Connection | None = None

    async def wait(self, timeout: float) -> bool:
        """Waits up to ``timeout`` seconds for a notification (or :meth:`wake`); whether
        one came (``False``: the timeout ran out)."""
        await self._ensure_listening()
        # asyncio.timeout, not wait_for: in Python 3.11 a cancellation that arrives as
        # wait_for times out comes out as TimeoutError, which this wait suppresses, and the
        # task that was told to stop runs on (an outbox relay outliving its service)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._event.wait()
        notified = self._event.is_set()
        self._event.clear()
        return notified

    def wake(self) -> None:
        self._event.set()

    def forget(self) -> None:
        """Drops the notifications received so far: for a waiter about to look at what
        they announced, which a notification delivered after this still reaches."""
        self._event.clear()

    async def close(self) -> None:
        if self._connection is not None and not self._connection.is_closed():
            with contextlib.suppress(Exception):
                await self._connection.close()
        self._connection = None

    async def _ensure_listening(self) -> None:
        if self._connection is not None and not self._connection.is_closed():
            return
        connection = None
        try:
            async with asyncio.timeout(LISTEN_TIMEOUT_SECONDS):
                connection = await asyncpg.connect(self._dsn)
                await connection.add_listener(self._channel, self._on_notify)
            self._connection = connection
        except BaseException as exc:  # the caller's timeout-based poll covers the gap
            if connection is not None:
                connection.terminate()  # half-open, also when cancelled
            if not isinstance(exc, Exception):
                raise
            raise_if_cancelling()
            log.warning("cannot listen on %s: %r", self._channel, exc)

    def _on_notify(self, *_: Any) -> None:
        self._event.set()
