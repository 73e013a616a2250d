"""A void finds the welcome and the win-back of its purchase by the purchase they follow,
not by times recomputed from what may have changed since (the journey settings, the
member's timezone once their contact arrives), through messaging's handlers on the real
database; a void consumed after the daily job forgot older purchases, or while it runs,
takes no win-back away that it cannot put back."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from services.messaging.journeys import jobs, service
from services.messaging.journeys.purchases import repository as purchase_rows
from services.messaging.journeys.schemas import JourneySettingsIn
from shared.db import Sessions, transaction
from shared.events.orders import PurchaseVoided
from shared.inbox import Handlers
from tests.messaging.journeys import events
from tests.messaging.journeys.test_voids import WELCOME, _apply, _member, _runs


async def test_the_welcome_goes_with_its_voided_purchase_after_the_settings_changed(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = await _member(messaging_sessions, handlers)
    purchase = events.purchased(member_id, datetime.now(UTC) - timedelta(hours=1))
    await _apply(messaging_sessions, handlers, purchase)
    assert len(await _runs(messaging_sessions, member_id, WELCOME)) == 1
    async with transaction(messaging_sessions) as session:
        now = await service.get_settings(session)
        body = JourneySettingsIn.model_validate(
            now.model_dump(include=set(JourneySettingsIn.model_fields))
        )
        changed = body.model_copy(deep=True)
        changed.first_purchase_welcome.after_days += 1  # staff: a day later from now on
        await service.set_settings(session, changed, by="test")
    try:
        await _apply(messaging_sessions, handlers, events.voided(purchase))
        assert await _runs(messaging_sessions, member_id, WELCOME) == []
    finally:
        async with transaction(messaging_sessions) as session:
            await service.set_settings(session, body, by="test")


async def test_the_welcome_goes_with_its_voided_purchase_after_the_timezone_changed(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = uuid.uuid4()
    # a sale at 10:00 in Shanghai, consumed before messaging has the member's contact (the
    # brand's zone); then a New York number moves them to America/New_York
    purchase = events.purchased(member_id, datetime(2027, 3, 1, 2, tzinfo=UTC))
    await _apply(messaging_sessions, handlers, purchase)
    registered = await events.registered(member_id, "+12125550123", source="registration")
    await _apply(messaging_sessions, handlers, registered)
    assert len(await _runs(messaging_sessions, member_id, WELCOME)) == 1
    await _apply(messaging_sessions, handlers, events.voided(purchase))
    assert await _runs(messaging_sessions, member_id, WELCOME) == []


async def test_a_welcome_scheduled_before_runs_named_their_purchase_still_goes_with_it(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = await _member(messaging_sessions, handlers)
    purchase = events.purchased(member_id, datetime(2027, 3, 1, 4, tzinfo=UTC))
    await _apply(messaging_sessions, handlers, purchase)
    async with transaction(messaging_sessions) as session:  # as the migration leaves it
        await session.execute(
            text("UPDATE messaging.journey_runs SET purchase_id = NULL WHERE member_id = :m"),
            {"m": member_id},
        )
    await _apply(messaging_sessions, handlers, events.voided(purchase))
    assert await _runs(messaging_sessions, member_id, WELCOME) == []


async def test_a_void_consumed_after_the_purchase_before_was_forgotten_keeps_the_win_back(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = await _member(messaging_sessions, handlers)
    now = datetime.now(UTC)
    old, latest = (events.purchased(member_id, now - timedelta(days=d)) for d in (100, 50))
    await _apply(messaging_sessions, handlers, old, latest)
    assert await jobs.forget_old_purchases(messaging_sessions, now) >= 1  # the 100 days old
    [win_back] = await _runs(messaging_sessions, member_id, "win_back")
    assert win_back.occurrence == str(latest.data["purchase_id"])

    # its void, replayed from the dead letters 50 days late: the member did buy 100 days
    # ago, so they keep a win-back (journeys no longer know that purchase to move it to)
    await _apply(messaging_sessions, handlers, events.voided(latest, at=now))
    assert [r.id for r in await _runs(messaging_sessions, member_id, "win_back")] == [win_back.id]


async def test_the_forget_waits_for_a_void_in_flight_of_the_purchase_that_lets_one_go(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = await _member(messaging_sessions, handlers)
    now = datetime.now(UTC)
    old, latest = (events.purchased(member_id, now - timedelta(days=d)) for d in (100, 50))
    await _apply(messaging_sessions, handlers, old, latest)
    void = events.voided(latest, at=now).payload(PurchaseVoided)

    async with transaction(messaging_sessions) as voiding:
        assert await purchase_rows.void(
            voiding, void.purchase_id, member_id, void.purchased_at, void.voided_at
        )
        forget = asyncio.create_task(jobs.forget_old_purchases(messaging_sessions, now))
        await asyncio.sleep(0.5)  # the forget reaches the latest purchase, locked here
    # the void committed: the latest is voided, so the one before is the one to keep
    await forget
    async with messaging_sessions() as session:
        kept = await purchase_rows.remaining(session, member_id)
    assert kept is not None
    assert kept[0].purchase_id == uuid.UUID(str(old.data["purchase_id"]))
