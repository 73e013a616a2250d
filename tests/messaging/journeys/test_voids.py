"""A voided sale counts as no purchase for the journeys (``orders.purchase.voided``), through
messaging's handlers and the worker's use case on the real database: the welcome of a
member whose only purchase was voided is not sent (one sent already stays sent), the
win-back goes back to the purchase before, and out of order (a void consumed before its
purchase, a purchase delivered again after its void) the purchase stays voided."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from services.messaging.journeys import jobs, service
from services.messaging.journeys.models import JourneyPurchase, JourneyRun
from services.messaging.notifications.models import Notification
from shared.crypto import PiiCipher
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.inbox import BoundRuns, Handlers
from shared.settings import DEV_PII_KEY
from tests.messaging import events as member_events
from tests.messaging.journeys import events

SHANGHAI = ZoneInfo("Asia/Shanghai")
CIPHER = PiiCipher(DEV_PII_KEY)
WELCOME = "first_purchase_welcome"


async def _apply(sessions: Sessions, handlers: Handlers, *published: CloudEvent) -> None:
    """Each event in a transaction of its own, as the consumer applies them."""
    for event in published:
        async with transaction(sessions) as session:
            await handlers[event.type](session, event)


async def _member(sessions: Sessions, handlers: Handlers) -> uuid.UUID:
    """A member who registered (not imported): their first purchase gets a welcome."""
    member_id = uuid.uuid4()
    registered = await events.registered(member_id, member_events.phone(), source="registration")
    await _apply(sessions, handlers, registered)
    return member_id


async def _runs(sessions: Sessions, member_id: uuid.UUID, journey: str) -> list[JourneyRun]:
    async with sessions() as session:
        query = select(JourneyRun).where(
            col(JourneyRun.member_id) == member_id, col(JourneyRun.journey) == journey
        )
        return list(await session.scalars(query.order_by(col(JourneyRun.created_at))))


async def _welcomes_sent(sessions: Sessions, member_id: uuid.UUID) -> list[Notification]:
    async with sessions() as session:
        query = select(Notification).where(
            col(Notification.member_id) == member_id, col(Notification.template) == WELCOME
        )
        return list(await session.scalars(query))


async def test_a_member_whose_only_purchase_is_voided_gets_no_welcome_and_no_win_back(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id, sent_to = [await _member(messaging_sessions, handlers) for _ in range(2)]
    # eight days ago: their welcome (7–15 days after) is due now; one member's is sent
    # before the void, the other's not
    sent, purchase = (
        events.purchased(m, datetime.now(UTC) - timedelta(days=8)) for m in (sent_to, member_id)
    )
    await _apply(messaging_sessions, handlers, sent)
    await service.run_due(messaging_sessions, CIPHER, 500)
    welcomed = await _welcomes_sent(messaging_sessions, sent_to)
    assert welcomed
    await _apply(messaging_sessions, handlers, purchase)
    assert len(await _runs(messaging_sessions, member_id, WELCOME)) == 1
    await _apply(messaging_sessions, handlers, events.voided(purchase), events.voided(sent))

    await service.run_due(messaging_sessions, CIPHER, 500)
    assert await _welcomes_sent(messaging_sessions, member_id) == []
    # a welcome sent stays sent (nothing sent twice)
    [welcome] = await _runs(messaging_sessions, sent_to, WELCOME)
    assert welcome.outcome == "notified"
    assert [n.id for n in await _welcomes_sent(messaging_sessions, sent_to)] == [
        n.id for n in welcomed
    ]
    assert await _runs(messaging_sessions, member_id, WELCOME) == []
    assert await _runs(messaging_sessions, member_id, "win_back") == []

    # their next purchase, a real one, is their first: it gets the welcome
    real = events.purchased(member_id, datetime(2027, 3, 1, 4, tzinfo=UTC))
    await _apply(messaging_sessions, handlers, real)
    [welcome] = await _runs(messaging_sessions, member_id, WELCOME)
    assert welcome.due_at == datetime(2027, 3, 8, 10, tzinfo=SHANGHAI)


async def test_a_void_moves_the_win_back_and_the_welcome_to_the_purchases_left(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = await _member(messaging_sessions, handlers)
    first_at = datetime(2027, 3, 1, 4, tzinfo=UTC)
    first = events.purchased(member_id, first_at)
    second = events.purchased(member_id, first_at + timedelta(days=3))
    third = events.purchased(member_id, first_at + timedelta(days=20))
    await _apply(messaging_sessions, handlers, first, second, third)
    [win_back] = await _runs(messaging_sessions, member_id, "win_back")
    assert win_back.occurrence == str(third.data["purchase_id"])

    # the latest voided: the win-back clock goes back to the purchase before it
    await _apply(messaging_sessions, handlers, events.voided(third))
    [win_back] = await _runs(messaging_sessions, member_id, "win_back")
    assert win_back.occurrence == str(second.data["purchase_id"])
    assert win_back.due_at == datetime(2027, 6, 2, 10, tzinfo=SHANGHAI)  # 90 days after 4 March
    assert win_back.done_at is None

    # the first voided: the welcome follows the earliest purchase left; the win-back stays
    await _apply(messaging_sessions, handlers, events.voided(first))
    [welcome] = await _runs(messaging_sessions, member_id, WELCOME)
    assert welcome.due_at == datetime(2027, 3, 11, 10, tzinfo=SHANGHAI)
    assert welcome.expires_at == datetime(2027, 3, 20, tzinfo=SHANGHAI)
    [win_back] = await _runs(messaging_sessions, member_id, "win_back")
    assert win_back.occurrence == str(second.data["purchase_id"])

    # the last one left voided: none of either
    await _apply(messaging_sessions, handlers, events.voided(second))
    assert await _runs(messaging_sessions, member_id, WELCOME) == []
    assert await _runs(messaging_sessions, member_id, "win_back") == []


async def test_a_void_consumed_before_its_purchase_keeps_it_voided(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = await _member(messaging_sessions, handlers)
    earlier = events.purchased(member_id, datetime(2027, 3, 1, 4, tzinfo=UTC))
    purchase = events.purchased(member_id, datetime(2027, 3, 5, 4, tzinfo=UTC))
    await _apply(messaging_sessions, handlers, earlier, events.voided(purchase), purchase)

    [win_back] = await _runs(messaging_sessions, member_id, "win_back")
    assert win_back.occurrence == str(earlier.data["purchase_id"])
    [welcome] = await _runs(messaging_sessions, member_id, WELCOME)
    assert welcome.due_at == datetime(2027, 3, 8, 10, tzinfo=SHANGHAI)

    # a member's only purchase, its void consumed first: nothing at all
    alone = await _member(messaging_sessions, handlers)
    only = events.purchased(alone, datetime(2027, 3, 5, 4, tzinfo=UTC))
    await _apply(messaging_sessions, handlers, events.voided(only), only)
    assert await _runs(messaging_sessions, alone, WELCOME) == []
    assert await _runs(messaging_sessions, alone, "win_back") == []


async def test_a_purchase_delivered_again_after_its_void_stays_voided(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = await _member(messaging_sessions, handlers)
    purchase = events.purchased(member_id, datetime(2027, 3, 1, 4, tzinfo=UTC))
    await _apply(messaging_sessions, handlers, purchase, events.voided(purchase))
    # orders' republish: the same sale under a new event id, alone and in a run of purchases
    await _apply(messaging_sessions, handlers, events.again(purchase))
    handler = handlers["orders.purchase.completed"]
    assert isinstance(handler, BoundRuns)
    async with transaction(messaging_sessions) as session:
        await handler.run(session, [events.again(purchase), events.again(purchase)])
    assert await _runs(messaging_sessions, member_id, WELCOME) == []
    assert await _runs(messaging_sessions, member_id, "win_back") == []

    # the void again (another event id) changes nothing either: a later purchase's runs stay
    later = events.purchased(member_id, datetime(2027, 3, 9, 4, tzinfo=UTC))
    await _apply(messaging_sessions, handlers, later, events.voided(purchase))
    [win_back] = await _runs(messaging_sessions, member_id, "win_back")
    assert win_back.occurrence == str(later.data["purchase_id"])
    [welcome] = await _runs(messaging_sessions, member_id, WELCOME)
    assert welcome.due_at == datetime(2027, 3, 16, 10, tzinfo=SHANGHAI)


async def _kept(sessions: Sessions, member_id: uuid.UUID) -> set[uuid.UUID]:
    async with sessions() as session:
        query = select(JourneyPurchase.purchase_id).where(
            col(JourneyPurchase.member_id) == member_id
        )
        return set(await session.scalars(query))


async def test_the_daily_job_forgets_old_purchases_but_the_latest_a_win_back_goes_back_to(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id, once = [await _member(messaging_sessions, handlers) for _ in range(2)]
    now = datetime.now(UTC)
    ago = [events.purchased(member_id, now - timedelta(days=days)) for days in (100, 60, 50, 10)]
    only = events.purchased(once, now - timedelta(days=100))
    await _apply(messaging_sessions, handlers, *ago, only, events.voided(ago[1]))
    ids = [uuid.UUID(str(e.data["purchase_id"])) for e in ago]

    assert await jobs.forget_old_purchases(messaging_sessions, now) >= 2
    # the latest not voided of before 35 days ago stays, as every one since does
    assert await _kept(messaging_sessions, member_id) == {ids[2], ids[3]}
    assert await _kept(messaging_sessions, once) == {uuid.UUID(str(only.data["purchase_id"]))}
    assert await jobs.forget_old_purchases(messaging_sessions, now) == 0

    # the latest voided: the win-back goes back to the one kept
    await _apply(messaging_sessions, handlers, events.voided(ago[3]))
    [win_back] = await _runs(messaging_sessions, member_id, "win_back")
    assert win_back.occurrence == str(ids[2])
