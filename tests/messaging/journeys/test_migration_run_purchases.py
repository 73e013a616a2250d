"""Migration a3f9d2c6e8b1 on rows of the release before it: a win-back run names the
purchase it follows (its occurrence), a welcome names none (never recorded), the members
erased before it are listed from their contacts' tombstones (a deactivated member is not
one), and going down drops all three."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from services.messaging.journeys import sales
from shared.db import create_engine, create_sessions, transaction
from shared.events.orders import PurchaseCompleted
from tests.messaging.journeys import events
from tests.stack import Scratch, Stack

BEFORE = "b8c7e70fdddb"
REVISION = "a3f9d2c6e8b1"


@pytest.fixture
async def scratch(stack: Stack) -> AsyncIterator[Scratch]:
    async with stack.scratch_database("messaging", BEFORE) as url:
        yield Scratch("messaging", url)


async def _run(scratch: Scratch, journey: str, member_id: uuid.UUID, occurrence: str) -> None:
    due = datetime(2027, 6, 2, 2, tzinfo=UTC)
    await scratch.sql(
        "INSERT INTO messaging.journey_runs (id, journey, member_id, occurrence, due_at, "
        "expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        uuid.uuid4(),
        journey,
        member_id,
        occurrence,
        due,
        due + timedelta(days=30),
    )


async def _contact(scratch: Scratch, member_id: uuid.UUID, *, name: str, active: bool) -> None:
    await scratch.sql(
        "INSERT INTO messaging.contacts (member_id, name_encrypted, locale, phone_encrypted, "
        "consent_sms, consent_email, marketing_sms, marketing_email, active, updated_at) "
        "VALUES ($1, $2, 'zh-CN', $2, false, false, false, false, $3, now())",
        member_id,
        name,
        active,
    )


async def test_runs_name_their_purchase_and_erased_members_are_listed(
    stack: Stack, scratch: Scratch
) -> None:
    member_id, purchase_id, erased, inactive = (uuid.uuid4() for _ in range(4))
    await _run(scratch, "win_back", member_id, str(purchase_id))
    await _run(scratch, "first_purchase_welcome", member_id, "first-purchase")
    await _contact(scratch, erased, name="", active=False)
    await _contact(scratch, inactive, name="gAAAA-still-a-name", active=False)

    await scratch.upgrade(REVISION)
    runs = await scratch.sql(
        "SELECT journey, purchase_id FROM messaging.journey_runs WHERE member_id = $1",
        member_id,
    )
    assert dict(runs) == {"win_back": purchase_id, "first_purchase_welcome": None}
    listed = await scratch.sql(
        "SELECT member_id FROM messaging.erased_members WHERE member_id = ANY($1::uuid[])",
        [erased, inactive],
    )
    assert [row[0] for row in listed] == [erased]

    # a purchase of the member erased before the release keeps nothing of them
    engine = create_engine(stack.settings("messaging", database_url=scratch.url))
    try:
        sessions = create_sessions(engine)
        event = events.purchased(erased, datetime(2027, 3, 10, 4, tzinfo=UTC))
        async with transaction(sessions) as session:
            await sales.follow_purchases(session, [PurchaseCompleted.model_validate(event.data)])
    finally:
        await engine.dispose()
    kept = await scratch.sql(
        "SELECT count(*) FROM messaging.journey_purchases WHERE member_id = $1", erased
    )
    assert kept[0][0] == 0

    await scratch.downgrade(BEFORE)
    [(table, index)] = await scratch.sql(
        "SELECT to_regclass('messaging.erased_members'), "
        "to_regclass('messaging.ix_journey_purchases_purchased_at')"
    )
    assert (table, index) == (None, None)
    columns = await scratch.sql(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = 'messaging' "
        "AND table_name = 'journey_runs' AND column_name = 'purchase_id'"
    )
    assert columns == []
