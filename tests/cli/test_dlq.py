"""``huiyuan dlq list`` and ``replay`` against the test database, as an operator runs them."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from aiokafka import ConsumerRecord
from sqlalchemy import select
from typer.testing import CliRunner, Result

from huiyuan.cli import app
from huiyuan.config import StackSettings
from huiyuan.dlq import admin_database
from huiyuan.embedded.postgres import EmbeddedPostgres, running_admin_url
from services.loyalty.base import inbox
from shared.consumer import EventConsumer
from shared.db import AsyncSession, Sessions
from shared.events import CloudEvent
from shared.events.orders import PurchaseCompleted
from shared.testing.records import consumer_record
from tests.loyalty.conftest import account_of, ledger_of, purchase_event
from tests.stack import Stack


async def _broken(session: AsyncSession, event: CloudEvent) -> None:
    raise RuntimeError("earning rule cache not loaded\nsecond line")


def _record(event: CloudEvent) -> ConsumerRecord[bytes, bytes]:
    return consumer_record(event, topic="orders.events", partition=2, offset=41)


async def _park(sessions: Sessions, event: CloudEvent) -> int:
    """Parks ``event`` in loyalty's dead letters the way the consumer runner does."""
    consumer = EventConsumer(
        service="loyalty",
        sessions=sessions,
        inbox=inbox,
        handlers={PurchaseCompleted.event_type: _broken},
        topics=["orders.events"],
        bootstrap_servers="unused:9092",
    )
    await consumer.apply_or_park([_record(event)])
    async with sessions() as session:
        number = await session.scalar(
            select(inbox.dead_letters.c.id).where(inbox.dead_letters.c.event_id == event.id)
        )
    assert isinstance(number, int)
    return number


async def _huiyuan(stack: Stack, *args: str) -> Result:
    runner = CliRunner()
    env = {"DATABASE_URL": stack.admin_url}
    return await asyncio.to_thread(lambda: runner.invoke(app, list(args), env=env))


def _line(output: str, name: str) -> str:
    [line] = [line for line in output.splitlines() if line.startswith(f"{name} ")]
    return line


async def test_list_shows_a_parked_event_and_replay_applies_it_once(
    stack: Stack, loyalty_sessions: Sessions
) -> None:
    member_id = uuid.uuid4()
    event = purchase_event(member_id, 12_300)
    name = f"loyalty:{await _park(loyalty_sessions, event)}"

    listed = await _huiyuan(stack, "dlq", "list", "--service", "loyalty")
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines()[0].split()[:4] == ["ID", "TYPE", "EVENT", "ID"]
    line = _line(listed.stdout, name)
    assert "orders.purchase.completed" in line
    assert event.id in line
    assert "orders.events[2]@41" in line
    assert " parked " in line
    assert line.endswith("RuntimeError('earning rule cache not loaded\\nsecond line')")
    assert await ledger_of(loyalty_sessions, member_id) == []

    replayed = await _huiyuan(stack, "dlq", "replay", name)
    assert replayed.exit_code == 0, replayed.output
    assert f"replayed {name} (orders.purchase.completed {event.id})" in replayed.stdout
    assert [(e.kind, e.points) for e in await ledger_of(loyalty_sessions, member_id)] == [
        ("earn", 123)
    ]

    again = await _huiyuan(stack, "dlq", "replay", name)
    assert again.exit_code == 1
    assert "already replayed" in again.stderr
    assert len(await ledger_of(loyalty_sessions, member_id)) == 1

    everywhere = await _huiyuan(stack, "dlq", "list")  # every consuming service's schema
    assert everywhere.exit_code == 0, everywhere.output
    assert " replayed " in _line(everywhere.stdout, name)


async def test_a_replay_that_still_fails_leaves_the_event_parked(
    stack: Stack, loyalty_sessions: Sessions
) -> None:
    member_id = uuid.uuid4()
    event = purchase_event(member_id, -500)  # loyalty refuses a negative total as well
    name = f"loyalty:{await _park(loyalty_sessions, event)}"

    failed = await _huiyuan(stack, "dlq", "replay", name)
    assert failed.exit_code == 1
    assert f"dead letter {name.split(':')[1]} still fails" in failed.stderr
    assert "totals -500 fen, below 0" in failed.stderr

    line = _line((await _huiyuan(stack, "dlq", "list", "--service", "loyalty")).stdout, name)
    assert " parked " in line
    assert "totals -500 fen, below 0" in line
    assert await account_of(loyalty_sessions, member_id) is None


async def test_bad_ids_and_services_are_refused(stack: Stack) -> None:
    for args in (["replay", "loyalty"], ["replay", "customer:1"], ["replay", "loyalty:x"]):
        result = await _huiyuan(stack, "dlq", *args)
        assert result.exit_code == 2, result.output
        assert "not a dead letter id" in result.stderr
    result = await _huiyuan(stack, "dlq", "list", "--service", "customer")
    assert result.exit_code == 2
    assert "'customer' has no dead letters" in result.stderr
    missing = await _huiyuan(stack, "dlq", "replay", "loyalty:987654321")
    assert missing.exit_code == 1
    assert "there is no dead letter 987654321" in missing.stderr


def test_the_tools_leave_a_running_stacks_database_running(tmp_path: Path) -> None:
    """`huiyuan dlq list` beside `huiyuan up` used to stop up's PostgreSQL on its way out."""
    settings = StackSettings(data_dir=tmp_path)
    server = EmbeddedPostgres(settings.pg_dir)
    server.start()
    try:
        with admin_database(settings, lambda _: None) as url:
            assert url == server.admin_url
        assert running_admin_url(settings.pg_dir) is not None
    finally:
        server.stop()
    assert running_admin_url(settings.pg_dir) is None
