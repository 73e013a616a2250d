"""Migration e470671d4ad8 on rows of the release before it: replies stored through the one
callback path become the first provider's (``primary``), after which two providers may
store a reply under the same message id; going back, a message id two providers share
keeps its first reply, and the early receipts go."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.stack import Scratch, Stack

BEFORE = "a0c5cd8e5f52"
REVISION = "e470671d4ad8"
AT = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)


@pytest.fixture
async def scratch(stack: Stack) -> AsyncIterator[Scratch]:
    async with stack.scratch_database("messaging", BEFORE) as url:
        yield Scratch("messaging", url)


async def _reply(
    scratch: Scratch, provider_message_id: str, provider: str | None = None, after: int = 0
) -> uuid.UUID:
    """A stored reply (``provider`` None: as the release before stored it)."""
    row_id = uuid.uuid4()
    columns = "id, provider_message_id, sender_hash, sender_encrypted, text_encrypted, "
    columns += "action, members, received_at, created_at"
    values = "$1, $2, 'h', 's', 't', 'stored', 0, $3, $3"
    args: list[object] = [row_id, provider_message_id, AT + timedelta(seconds=after)]
    if provider is not None:
        columns, values = f"{columns}, provider", f"{values}, $4"
        args.append(provider)
    await scratch.sql(f"INSERT INTO messaging.inbound_sms ({columns}) VALUES ({values})", *args)
    return row_id


async def test_old_replies_are_the_primarys_and_a_shared_id_keeps_its_first_going_down(
    scratch: Scratch,
) -> None:
    old = await _reply(scratch, "mo-1")

    await scratch.upgrade(REVISION)
    rows = await scratch.sql("SELECT id, provider FROM messaging.inbound_sms")
    assert [tuple(row) for row in rows] == [(old, "primary")]
    fallback = await _reply(scratch, "mo-1", "fallback", after=1)  # allowed now
    await scratch.sql(
        "INSERT INTO messaging.early_receipts (provider, message_id, status, at, received_at) "
        "VALUES ('primary', 'm-9', 'delivered', $1, $1)",
        AT,
    )

    await scratch.downgrade(BEFORE)
    kept = await scratch.sql("SELECT id FROM messaging.inbound_sms")
    assert [row["id"] for row in kept] == [old]
    assert fallback != old
    [(table,)] = await scratch.sql("SELECT to_regclass('messaging.early_receipts')")
    assert table is None
