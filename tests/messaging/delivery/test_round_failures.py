"""A dispatcher round that fails or hangs ends, and the dispatcher goes on.

A database restart in the middle of a round (fault run seed 62293) made its outcomes'
commit fail; on Python 3.11 ``asyncio.TaskGroup`` then left the dispatcher's task marked
as cancelled, its loop took the failure for a shutdown, and no message was sent again
until messaging restarted (docs/reliability.md, finding 7).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text
from sqlmodel import col, select
from starlette.types import ASGIApp, Receive, Scope, Send

from huiyuan.embedded.local_providers import create_sms_gateway_app
from huiyuan.embedded.mailcatcher import MailStore
from huiyuan.embedded.ports import free_port
from services.messaging.delivery.jobs import Dispatcher
from services.messaging.notifications.domain import DISPATCH_CHANNEL
from services.messaging.notifications.models import Notification
from shared.db import Sessions, asyncpg_dsn
from shared.notify import Wakeups
from tests.messaging import events
from tests.messaging.conftest import SMS_API_KEY, SmsEndpoint, serving
from tests.messaging.delivery.workers import dispatcher
from tests.messaging.rows import insert_notification
from tests.stack import Stack, eventually


class _BeforeFirstSend:
    """The local gateway, but the first message it is sent waits for ``before`` to run."""

    def __init__(self, gateway: ASGIApp, before: Callable[[], Awaitable[None]]) -> None:
        self.gateway = gateway
        self.before = before
        self.sends = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            self.sends += 1
            if self.sends == 1:
                await self.before()
        await self.gateway(scope, receive, send)


@asynccontextmanager
async def _short_leased(
    stack: Stack, tmp_path: Path, before_first_send: Callable[[], Awaitable[None]]
) -> AsyncIterator[tuple[Dispatcher, Sessions]]:
    """A dispatcher whose sends time out after 1 s and whose leases last 3 s, sending to the
    local gateway, whose first message waits for ``before_first_send``."""
    gateway = _BeforeFirstSend(
        create_sms_gateway_app(tmp_path / "sms", SMS_API_KEY), before_first_send
    )
    async with (
        serving(gateway) as url,
        dispatcher(
            stack,
            SmsEndpoint(url, SMS_API_KEY, tmp_path / "sms"),
            delivery_timeout_seconds=1,
            delivery_lease_seconds=3,
        ) as (worker, sessions),
    ):
        yield worker, sessions


async def _queue(sessions: Sessions, count: int) -> list[uuid.UUID]:
    return [
        (
            await insert_notification(
                sessions, channel="sms", to=events.phone(), body="您的积分已到账"
            )
        )["id"]
        for _ in range(count)
    ]


async def _statuses(sessions: Sessions, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    async with sessions() as session:
        rows = await session.scalars(select(Notification).where(col(Notification.id).in_(ids)))
        return {uuid.UUID(str(row.id)): row.status for row in rows}


async def _backend_of(sessions: Sessions) -> int:
    """The server process of the one connection ``sessions``' pool holds afterwards."""
    async with sessions() as session:
        pid = await session.scalar(text("SELECT pg_backend_pid()"))
    assert isinstance(pid, int)
    return pid


async def test_a_round_whose_outcomes_cannot_be_committed_fails_and_the_next_ones_send(
    stack: Stack,
    messaging_sessions: Sessions,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ids = await _queue(messaging_sessions, 3)
    terminated: list[bool] = []

    async def lose_the_dispatchers_connection() -> None:
        async with messaging_sessions() as session:
            gone = await session.scalar(
                text("SELECT pg_terminate_backend(:pid)"), {"pid": dispatcher_backend}
            )
        terminated.append(bool(gone))

    async with _short_leased(stack, tmp_path, lose_the_dispatchers_connection) as (
        worker,
        sessions,
    ):
        dispatcher_backend = await _backend_of(sessions)
        wakeups = Wakeups(asyncpg_dsn(stack.settings("messaging").database_url), DISPATCH_CHANNEL)
        running = asyncio.create_task(worker.run(wakeups))
        try:
            with caplog.at_level(logging.ERROR, logger="shared.background"):

                async def all_sent() -> dict[uuid.UUID, str] | None:
                    statuses = await _statuses(messaging_sessions, ids)
                    return statuses if set(statuses.values()) == {"sent"} else None

                await eventually(all_sent, timeout=20)
            assert not running.done(), running
        finally:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
            await wakeups.close()

    assert terminated == [True]
    # the round that lost its connection failed and said so; the round after it sent them
    assert "dispatcher failed; retrying in 0.1s" in [r.getMessage() for r in caplog.records]


async def test_a_round_that_waits_past_its_lease_gives_up(
    stack: Stack, messaging_sessions: Sessions, tmp_path: Path
) -> None:
    [held] = await _queue(messaging_sessions, 1)
    release = asyncio.Event()
    locked = asyncio.Event()

    async def hold_the_row() -> None:
        async with messaging_sessions() as session, session.begin():
            await session.execute(
                text("SELECT 1 FROM messaging.notifications WHERE id = :id FOR UPDATE"),
                {"id": held},
            )
            locked.set()
            await release.wait()

    async def lock_it_while_it_is_sent() -> None:
        holder.append(asyncio.create_task(hold_the_row()))
        await locked.wait()

    holder: list[asyncio.Task[None]] = []
    async with _short_leased(stack, tmp_path, lock_it_while_it_is_sent) as (worker, _):
        started = time.monotonic()
        round_ = asyncio.create_task(worker.dispatch_batch())
        try:
            await asyncio.wait({round_}, timeout=12)
            took = time.monotonic() - started
            assert round_.done(), "the round still waits for the row lock"
            assert isinstance(round_.exception(), TimeoutError), round_
            assert 3.5 < took < 8, took  # its lease (3 s) and one send's timeout (1 s)
        finally:
            release.set()
            round_.cancel()
            await asyncio.gather(round_, *holder, return_exceptions=True)

    assert (await _statuses(messaging_sessions, [held]))[held] == "sending"


class _SlowAtEveryStep(MailStore):
    """A mail server that answers each step within the client's timeout, but so slowly
    that the whole send takes longer than two of them."""

    def __init__(self, store_dir: Path, pause: float) -> None:
        super().__init__(store_dir)
        self.pause = pause

    async def handle_MAIL(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        await asyncio.sleep(self.pause)
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        await asyncio.sleep(self.pause)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        await asyncio.sleep(self.pause)
        return await super().handle_DATA(server, session, envelope)


async def test_a_send_slow_at_every_step_is_cut_within_the_lease_and_its_outcome_recorded(
    stack: Stack, messaging_sessions: Sessions, sms_gateway: SmsEndpoint, tmp_path: Path
) -> None:
    """A round may start a send only if it ends, at worst, inside the lease (two send
    timeouts); each SMTP command keeps within one timeout, so the send as a whole is bounded
    too, and its outcome is recorded by the round instead of being cut with it."""
    [email] = [
        (
            await insert_notification(
                messaging_sessions, channel="email", to="slow@example.com", body="金卡"
            )
        )["id"]
    ]
    controller = Controller(
        _SlowAtEveryStep(tmp_path / "mail", pause=0.8), hostname="127.0.0.1", port=free_port()
    )
    controller.start()
    try:
        async with dispatcher(
            stack,
            sms_gateway,
            smtp_port=controller.port,
            delivery_timeout_seconds=1,
            delivery_lease_seconds=3,
        ) as (worker, _):
            await asyncio.wait_for(worker.dispatch_batch(), 10)
    finally:
        controller.stop()
    async with messaging_sessions() as session:
        row = await session.get(Notification, email)
    assert row is not None
    assert (row.status, row.attempts) == ("queued", 1)
    assert row.error is not None
    assert row.error.startswith("the send took longer than 2 s"), row.error
