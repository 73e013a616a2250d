"""Migration 7b4233fa7a66 on rows of the release before it: suppressed and cancelled rows
gain their reason; going back, a deferred message is queued (that release sends it)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from tests.stack import Scratch, Stack

BEFORE = "c4e8a2f6b1d3"
REVISION = "7b4233fa7a66"


@pytest.fixture
async def scratch(stack: Stack) -> AsyncIterator[Scratch]:
    async with stack.scratch_database("messaging", BEFORE) as url:
        yield Scratch("messaging", url)


async def _row(scratch: Scratch, status: str, error: str | None) -> uuid.UUID:
    row_id = uuid.uuid4()
    await scratch.sql(
        "INSERT INTO messaging.notifications (id, member_id, channel, template, "
        "trigger_event_id, status, attempts, next_attempt_at, error, created_at) "
        "VALUES ($1, $2, 'sms', 'welcome', $3, $4, 0, $5, $6, $5)",
        row_id,
        uuid.uuid4(),
        uuid.uuid4().hex,
        status,
        datetime(2026, 11, 29, tzinfo=UTC),
        error,
    )
    return row_id


async def test_reasons_are_kept_going_up_and_deferred_goes_out_going_down(
    scratch: Scratch,
) -> None:
    suppressed = await _row(scratch, "suppressed", "member has not consented to sms")
    cancelled = await _row(scratch, "cancelled", "member is inactive")
    failed = await _row(scratch, "failed", "SMS gateway refused: 400")

    await scratch.upgrade(REVISION)
    reasons = dict(await scratch.sql("SELECT id, reason FROM messaging.notifications"))
    assert reasons == {
        suppressed: "member has not consented to sms",
        cancelled: "member is inactive",
        failed: None,
    }

    deferred = await _row(scratch, "deferred", "quiet hours")
    await scratch.downgrade(BEFORE)
    [(status,)] = await scratch.sql(
        "SELECT status FROM messaging.notifications WHERE id = $1", deferred
    )
    assert status == "queued"
