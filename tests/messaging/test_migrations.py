"""A messaging schema written by the previous release upgrades to head, its tables match the
models the capability packages declare, and this release reads its rows.

The previous release's tables gain columns and statuses, and new tables arrive (webhook
subscriptions and deliveries ``c4e8a2f6b1d3``, the messaging policy and points digests
``7b4233fa7a66``, staff's template texts ``c5e8a2d4f6b1``, marketing consent and opt-outs
``c7e2a9d4f6b3``, SMS providers and receipts ``c7e2a9d4b1f6``, the dispatcher's lease
``c7e2a9d4f1b8``, journeys ``a0c5cd8e5f52``, replies per SMS provider and early receipts
``e470671d4ad8``, bulk sends with their recipients, the notifications' broadcast and the
contacts' card number and tags ``a28a4c60df76``, email bounces and the suppression list
``591022c5f82e``, contacts' names encrypted ``e6183dc67479``, the purchases journeys keep
``b8c7e70fdddb``, tested in journeys/test_migration.py); the policy's rewrite of old
rows has a test of its own (policy/test_migration.py), and so have the replies' providers
(optouts/test_migration.py) and the names' encryption (below).
This one checks how rows of before are read: contacts whose phone was stored as digits
reach their member at the E.164 number and are found by an SMS reply's sender (the opt-out
migration hashes their phone), and notifications queued with a digits recipient or a
line-broken subject go out as E.164 and on one line (tests in delivery/).
The test migrates a scratch database of its own to the previous head, writes rows with
plain SQL as that release did, upgrades, and reads them with this release's code.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from huiyuan.provision import alembic_config
from services.messaging import migrations
from services.messaging.base import SCHEMA, MessagingTable
from services.messaging.broadcasts import models as _broadcasts  # noqa: F401  (their tables)
from services.messaging.contacts import models as _contacts  # noqa: F401  (their tables)
from services.messaging.contacts import service as contacts
from services.messaging.journeys import models as _journeys  # noqa: F401
from services.messaging.notifications import models as _notifications  # noqa: F401
from services.messaging.notifications import outcomes
from services.messaging.notifications import service as notifications
from services.messaging.webhooks import models as _webhooks  # noqa: F401
from shared.crypto import PiiCipher
from shared.db import Sessions, create_engine, create_sessions
from shared.migrations import VERSION_TABLE
from shared.settings import DEV_PII_KEY
from tests.stack import Scratch, Stack

PREVIOUS_HEAD = "b8d4e2f6a1c9"
NAMES_ENCRYPTED, BEFORE_NAMES_ENCRYPTED = "e6183dc67479", "523c0dcb2d79"
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
        [due] = await outcomes.lease_due(session, 10, datetime.now(UTC))
        stats = await notifications.stats(
            session,
            first=date(2026, 11, 1),
            last=date(2026, 11, 1),
            channel=None,
            timezone=SHANGHAI,
        )
        replying = await contacts.members_by_phone(session, CIPHER, "+8613912345678")
    [welcome] = await scratch.sql(
        "SELECT journey, outcome FROM messaging.journey_runs WHERE member_id = $1", member_id
    )
    assert (card.name, card.sms.address, card.email.address) == ("李雷", "+8613912345678", None)
    [(name,)] = await scratch.sql("SELECT name_encrypted FROM messaging.contacts")
    assert "李雷" not in name  # the name stored in clear before is encrypted now
    assert replying == [member_id]  # its digits hashed as E.164, as a reply's sender is
    assert (card.sms.marketing, card.email.marketing) == (True, False)  # as its consent
    assert (due.member_id, due.channel, due.subject) == (member_id, "email", "恭喜您升级为金卡\r！")
    assert (stats.total, stats.sms_cost_fen) == (2, 10)
    # a member known before journeys is an existing customer: no first-purchase welcome
    assert tuple(welcome) == ("first_purchase_welcome", "skipped")


async def test_contact_names_are_encrypted_and_a_downgrade_decrypts_them(
    scratch: Scratch,
) -> None:
    await _previous_release_rows(scratch, uuid.uuid4())
    await scratch.upgrade(NAMES_ENCRYPTED)
    [(stored,)] = await scratch.sql("SELECT name_encrypted FROM messaging.contacts")
    assert CIPHER.decrypt(stored) == "李雷"
    await scratch.downgrade(BEFORE_NAMES_ENCRYPTED)
    [(name,)] = await scratch.sql("SELECT name FROM messaging.contacts")
    assert name == "李雷"


def _differences(connection: Connection) -> list[Any]:
    """What autogenerate would change, as ``alembic check`` asks with ``migrations/env.py``,
    less one echo: a foreign key reflected from the role's own (default) schema names its
    target without the schema the model writes, which alembic answers as the key removed
    and added under one name (tests/customer/schema_diff.py meets the same)."""
    context = MigrationContext.configure(
        connection,
        opts={
            "include_schemas": True,
            "include_name": lambda name, kind, _: (
                name in (None, SCHEMA) if kind == "schema" else name != VERSION_TABLE
            ),
            "compare_type": True,
        },
    )
    found = compare_metadata(context, MessagingTable.metadata)
    echoed = {d[1].name for d in found if isinstance(d, tuple) and d[0] == "remove_fk"} & {
        d[1].name for d in found if isinstance(d, tuple) and d[0] == "add_fk"
    }
    return [
        d
        for d in found
        if not (isinstance(d, tuple) and d[0] in ("remove_fk", "add_fk") and d[1].name in echoed)
    ]


async def test_the_tables_match_the_models_of_the_capability_packages(scratch: Scratch) -> None:
    """Alembic's autogenerate finds nothing to change: ``migrations/env.py`` sees every
    table the packages declare (the test imports what it imports), and they declare what
    the migrations built."""
    env = (Path(migrations.__path__[0]) / "env.py").read_text()
    for package in ("broadcasts", "contacts", "notifications", "webhooks", "journeys"):
        assert f"from services.messaging.{package} import models" in env, package
    await scratch.upgrade()
    engine = create_async_engine(scratch.url)
    try:
        async with engine.connect() as connection:
            found = await connection.run_sync(_differences)
    finally:
        await engine.dispose()
    assert found == [], "\n".join(str(d)[:150] for d in found)
