"""``huiyuan dlq``: list and replay the events the services parked as dead letters.

A dead letter is named ``<service>:<n>`` (``loyalty:3``), so a replay needs nothing else.
The command connects as each service's own role (``<SERVICE>_DB_PASSWORD``), as the
service itself does, and applies events with that service's handlers.

Listing and replaying are ``shared.dead_letters``'s, which the consumers use too for
the events they defer: a replay is applied exactly once and marked, or nothing changes and
the event stays parked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from huiyuan.config import StackSettings
from huiyuan.consumers import CONSUMING_SERVICES, consumer_of
from huiyuan.embedded.postgres import running_admin_url
from huiyuan.provision import role_password, service_database_url
from huiyuan.stack import LocalStack, Say
from shared.db import create_engine, create_sessions
from shared.dead_letters import DeadLetter, list_dead_letters, replay_dead_letter
from shared.inbox import Inbox
from shared.service_app import ServiceSpec


@dataclass(frozen=True)
class DeadLetterId:
    service: str
    number: int

    def __str__(self) -> str:
        return f"{self.service}:{self.number}"

    @classmethod
    def parse(cls, text: str) -> DeadLetterId:
        service, _, number = text.partition(":")
        if service not in CONSUMING_SERVICES or not number.isdigit():
            raise ValueError(
                f"{text!r} is not a dead letter id: expected <service>:<number> as "
                f"`huiyuan dlq list` shows it, with service one of {', '.join(CONSUMING_SERVICES)}"
            )
        return cls(service, int(number))


class NoDatabase(Exception):
    """Neither ``DATABASE_URL`` nor an embedded cluster in the data dir."""


@contextmanager
def admin_database(settings: StackSettings, say: Say) -> Iterator[str]:
    """The superuser URL of ``DATABASE_URL`` or of the embedded cluster in the data dir.

    The embedded cluster is shared with a running ``huiyuan up``, and left running after the
    command; if none runs it is started for the command's duration. A data dir without one
    is refused rather than initialised empty.
    """
    if not settings.database_url and not settings.pg_dir.exists():
        raise NoDatabase(
            f"no embedded database in {settings.pg_dir}; set DATABASE_URL or HUIYUAN_DATA_DIR"
        )
    running = None if settings.database_url else running_admin_url(settings.pg_dir)
    if running is not None:  # huiyuan up's server: use it, never stop it
        yield running
        return
    stack = LocalStack(settings, say)
    try:
        yield stack.start_database()
    finally:
        stack.stop()


def _consumer(admin_url: str, service: str) -> tuple[ServiceSpec, Inbox]:
    return consumer_of(service, service_database_url(admin_url, service, role_password(service)))


async def _list(consumer: tuple[ServiceSpec, Inbox]) -> list[DeadLetter]:
    spec, inbox = consumer
    engine = create_engine(spec.settings)
    try:
        async with create_sessions(engine)() as session:
            return await list_dead_letters(session, inbox)
    finally:
        await engine.dispose()


def list_parked(
    admin_url: str, services: Sequence[str] = CONSUMING_SERVICES
) -> list[tuple[DeadLetterId, DeadLetter]]:
    listed: list[tuple[DeadLetterId, DeadLetter]] = []
    for service in services:
        for letter in asyncio.run(_list(_consumer(admin_url, service))):
            listed.append((DeadLetterId(service, letter.id), letter))
    return listed


async def _replay(consumer: tuple[ServiceSpec, Inbox], number: int) -> DeadLetter:
    spec, inbox = consumer
    engine = create_engine(spec.settings)
    try:
        return await replay_dead_letter(
            create_sessions(engine), inbox, spec.bound_handlers, spec.name, number
        )
    finally:
        await engine.dispose()


def replay(admin_url: str, dead_letter: DeadLetterId) -> DeadLetter:
    """Raises :class:`ReplayRefused` or :class:`ReplayFailed` (see :func:`replay_dead_letter`)."""
    return asyncio.run(_replay(_consumer(admin_url, dead_letter.service), dead_letter.number))


def _when(at: datetime) -> str:
    return at.astimezone().isoformat(sep=" ", timespec="seconds")


def format_table(listed: Sequence[tuple[DeadLetterId, DeadLetter]]) -> str:
    if not listed:
        return "No dead letters."
    header = ("ID", "TYPE", "EVENT ID", "FROM", "ATTEMPTS", "PARKED AT", "STATE", "ERROR")
    rows = [
        (
            str(name),
            letter.event_type or "?",
            letter.event_id or "?",
            f"{letter.topic}[{letter.partition}]@{letter.offset}",
            str(letter.attempts),
            _when(letter.parked_at),
            f"replayed {_when(letter.replayed_at)}" if letter.replayed_at else "parked",
            letter.error_summary,
        )
        for name, letter in listed
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    return "\n".join(
        "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]])
        for row in [header, *rows]
    )
