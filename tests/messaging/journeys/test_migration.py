"""Migration b8c7e70fdddb on rows of the release before it: the purchase each win-back
run follows is kept, dated on its day, so a void of the next purchase moves the win-back
back to it; going down drops the kept purchases."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from services.messaging.journeys import sales
from shared.db import create_engine, create_sessions, transaction
from shared.events.orders import PurchaseCompleted, PurchaseVoided
from tests.messaging.journeys import events
from tests.stack import Scratch, Stack

BEFORE = "d7b3f1a9c5e2"
REVISION = "b8c7e70fdddb"
NEXT = "a3f9d2c6e8b1"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def scratch(stack: Stack) -> AsyncIterator[Scratch]:
    async with stack.scratch_database("messaging", BEFORE) as url:
        yield Scratch("messaging", url)


async def test_the_purchase_a_win_back_follows_is_kept_and_a_void_of_the_next_goes_back_to_it(
    stack: Stack, scratch: Scratch
) -> None:
    member_id, before = uuid.uuid4(), uuid.uuid4()
    # the previous release's win-back of a purchase on 4 March 2027 (90 days, the default)
    due = datetime(2027, 6, 2, 10, tzinfo=SHANGHAI)
    await scratch.sql(
        "INSERT INTO messaging.journey_runs (id, journey, member_id, occurrence, due_at, "
        "expires_at) VALUES ($1, 'win_back', $2, $3, $4, $5)",
        uuid.uuid4(),
        member_id,
        str(before),
        due,
        datetime(2027, 7, 2, 10, tzinfo=SHANGHAI),
    )

    await scratch.upgrade(REVISION)
    [(kept_id, purchased_at, voided_at)] = await scratch.sql(
        "SELECT purchase_id, purchased_at, voided_at FROM messaging.journey_purchases "
        "WHERE member_id = $1",
        member_id,
    )
    assert (kept_id, voided_at) == (before, None)
    assert purchased_at.astimezone(SHANGHAI).date() == datetime(2027, 3, 4).date()

    await scratch.upgrade(NEXT)  # what today's code reads
    engine = create_engine(stack.settings("messaging", database_url=scratch.url))
    try:
        sessions = create_sessions(engine)
        event = events.purchased(member_id, datetime(2027, 3, 10, 4, tzinfo=UTC))
        async with transaction(sessions) as session:
            await sales.follow_purchases(session, [PurchaseCompleted.model_validate(event.data)])
        async with transaction(sessions) as session:
            await sales.follow_void(
                session, PurchaseVoided.model_validate(events.voided(event).data)
            )
    finally:
        await engine.dispose()
    [(occurrence, due_at)] = await scratch.sql(
        "SELECT occurrence, due_at FROM messaging.journey_runs "
        "WHERE member_id = $1 AND journey = 'win_back'",
        member_id,
    )
    assert (occurrence, due_at) == (str(before), due)

    await scratch.downgrade(BEFORE)
    [(table,)] = await scratch.sql("SELECT to_regclass('messaging.journey_purchases')")
    assert table is None
