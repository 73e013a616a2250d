"""A messaging schema written by the previous release upgrades to head, its tables match the
models the capability packages declare, and this release reads its rows.

This release changes no table of messaging: the previous head is still the head. What it
changes is how rows are read: contacts whose phone was stored as digits reach their member
at the E.164 number, and notifications queued with a digits recipient or a line-broken
subject go out as E.164 and on one line (tests in delivery/). The test migrates a scratch
database of its own to the previous head, writes rows with plain SQL as that release did,
upgrades, and reads them with this release's code.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from alembic.script import ScriptDirectory

from huiyuan.provision import alembic_config
from services.messaging.contacts import service as contacts
from services.messaging.notifications import service as notifications
from shared.crypto import PiiCipher
from shared.db import Sessions, create_engine, create_sessions
from shared.settings import DEV_PII_KEY
from tests.stack import Scratch, Stack

PREVIOUS_HEAD = "b8d4e2f6a1c9"
CIPHER = PiiCipher(DEV_PII_KEY)
SHANGHAI = ZoneInfo("Asia/Shanghai")
CREATED = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)  # 16:00 in Shanghai


@pytest.fixture
async def scratch(stack: Stack) -> AsyncIterator[Scratch]:
    async with stack.scratch_database("messaging", PREVIOUS_HEAD) as url:
        yield Scratch("messaging", url)


@pytest.fixture
async def sessions(stack: Stack, scratch: Scratch) -> AsyncIterator[Sessions]:
    engine = create_engine(stack.settings("messaging", database_url=scratch.url))
    yield create_sessions(engine)
    await engine.dispose()


async def _previous_release_rows(scratch: Scratch, member_id: uuid.UUID) -> None:
    await scratch.sql(
        "INSERT INTO messaging.contacts (member_id, name, locale, phone_encrypted, "
        "email_encrypted, consent_sms, consent_email, updated_at) "
        "VALUES ($1, '李雷', 'zh-CN', $2, NULL, true, false, $3)",
        member_id,
        CIPHER.encrypt("13912345678"),
        CREATED,
    )
    for channel, status, recipient, subject, response in (
        ("sms", "sent", "13912345678", None, '{"message_id": "m-1", "cost_fen": 10}'),
        ("email", "queued", "lilei@example.com", "恭喜您升级为金卡\r！", None),
    ):
        await scratch.sql(
            "INSERT INTO messaging.notifications (id, member_id, channel, template, "
            "trigger_event_id, status, recipient_encrypted, recipient_masked, subject, body, "
            "attempts, next_attempt_at, provider_response, created_at) "
            "VALUES ($1, $2, $3, 'tier_upgrade', 'e-1', $4, $5, 'masked', $6, '正文', 0, $7, "
            "$8::jsonb, $7)",
            uuid.uuid4(),
            member_id,
            channel,
            status,
            CIPHER.encrypt(recipient),
            subject,
            CREATED,
            response,
        )


async def test_the_previous_release_schema_upgrades_and_its_rows_are_read(
    scratch: Scratch, sessions: Sessions
) -> None:
    member_id = uuid.uuid4()
    await _previous_release_rows(scratch, member_id)

    await scratch.upgrade()

    [(version,)] = await scratch.sql("SELECT version_num FROM messaging.alembic_version")
    head = ScriptDirectory.from_config(alembic_config("messaging", scratch.url)).get_current_head()
    assert version == head
    async with sessions() as session:
        card = await contacts.card_of(session, CIPHER, member_id)
        [due] = await notifications.lease_due(session, 10, datetime.now(UTC))
        stats = await notifications.stats(
            session,
            first=date(2026, 11, 1),
            last=date(2026, 11, 1),
            channel=None,
            timezone=SHANGHAI,
        )
    assert (card.name, card.sms.address, card.email.address) == ("李雷", "+8613912345678", None)
    assert (due.member_id, due.channel, due.subject) == (member_id, "email", "恭喜您升级为金卡\r！")
    assert (stats.total, stats.sms_cost_fen) == (2, 10)


async def test_the_tables_match_the_models_of_the_capability_packages(scratch: Scratch) -> None:
    """Alembic's autogenerate finds nothing to change: ``migrations/env.py`` sees every
    table the packages declare, and they declare what the migrations built."""
    await scratch.upgrade()
    await asyncio.to_thread(command.check, alembic_config("messaging", scratch.url))
