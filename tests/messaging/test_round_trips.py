"""What messaging's consumer spends in statements on a batch of the purchase path: the
benchmark's sales each bring it a purchase and its points, and both scale with the sales."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import delete, func, insert
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel import col, select

from services.messaging.base import inbox
from services.messaging.contacts import service as contacts
from services.messaging.notifications.models import Notification
from services.messaging.webhooks.models import WebhookSubscription
from shared.contacts import MemberContact
from shared.db import Sessions, create_sessions, transaction
from shared.events import CloudEvent
from shared.events.customer import ChannelConsent, MemberRegistered
from shared.events.loyalty import AccountOpened
from shared.inbox import Handlers
from tests.contacts import CIPHER
from tests.loyalty.conftest import purchase_event
from tests.loyalty.statements import applied_statements, round_trips
from tests.messaging import events
from tests.stack import Stack

STATEMENTS_PER_POINTS_RUN = 8
"""A run of ``loyalty.points.earned`` in a batch, however long: the inbox's claim, the
messaging policy, the published templates' generation, the members' contacts, which of
their emails bounced, every notification in one insert, the suppressed ones' events in one
outbox insert, the webhook subscriptions' token (the subscriptions themselves kept across
batches since issue 19's fifth round, read again after they change). Before issue 19 it
was 4 per event (contact, suppression list, notifications, outbox) and 4 per batch."""


STATEMENTS_PER_PURCHASES_RUN = 8
"""A run of ``orders.purchase.completed``, however long: the inbox's claim, the purchases
kept in one insert (a void finds them: since the journeys follow voids), the journey
settings, the members' contacts (their timezones), the welcomes in one insert, the pending
win-backs dropped in one delete and the new ones in one insert, the webhook subscriptions'
token. Before issue 19 it was 4 per event (the contact, the welcome, the win-back's delete and
insert) and 3 per batch."""


async def _members(sessions: Sessions, count: int) -> list[uuid.UUID]:
    """Members with a contact: SMS consent, and an email without consent."""
    ids = [uuid.uuid4() for _ in range(count)]
    async with transaction(sessions) as session:
        for member_id in ids:
            registered = MemberRegistered(
                member_id=member_id,
                card_number="8860000001234",
                phone_hash="not-used-by-messaging",
                locale="zh-CN",
                consent=ChannelConsent(sms=True, email=False),
                source="import",
                registered_at=datetime.now(UTC),
            )
            contact = MemberContact(
                member_id=member_id,
                name="李雷",
                phone=events.phone(),
                email=f"{member_id.hex}@example.com",
                version=1,
            )
            await contacts.record_registration(session, CIPHER, registered, contact)
    return ids


async def _apply(sessions: Sessions, handlers: Handlers, batch: list[CloudEvent]) -> list[str]:
    return await applied_statements("messaging", sessions, inbox, handlers, batch)


async def _keep_subscriptions(sessions: Sessions, handlers: Handlers) -> None:
    """Has the webhook subscriptions kept, as every batch after the first after a change
    finds them."""
    await _apply(sessions, handlers, _accounts_opened(1))


async def _statuses(sessions: Sessions, members: list[uuid.UUID]) -> dict[tuple[str, str], int]:
    async with sessions() as session:
        rows = await session.execute(
            select(col(Notification.channel), col(Notification.status), func.count())
            .where(col(Notification.member_id).in_(members))
            .group_by(col(Notification.channel), col(Notification.status))
        )
        return {(channel, status): n for channel, status, n in rows}


async def test_a_run_of_points_earned_costs_the_same_statements_however_long(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    members = await _members(messaging_sessions, 60)
    await _keep_subscriptions(messaging_sessions, handlers)
    for size in (10, 50):
        told = members[:size] if size == 10 else members[10:]
        # a member with two sales in one batch is told of each
        batch = [events.points_earned(m) for m in told] + [events.points_earned(told[0], 7)]
        sent = await _apply(messaging_sessions, handlers, batch)

        assert len(sent) == STATEMENTS_PER_POINTS_RUN, sent
        assert len([s for s in sent if "messaging.contacts" in s]) == 1
        assert await _statuses(messaging_sessions, told) == {
            ("sms", "queued"): size + 1,
            ("email", "suppressed"): size + 1,
        }


async def test_a_run_of_purchases_costs_the_same_statements_however_long(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    members = await _members(messaging_sessions, 60)
    await _keep_subscriptions(messaging_sessions, handlers)
    for told in (members[:10], members[10:]):
        batch = [purchase_event(m, 12_000) for m in told]
        sent = await _apply(messaging_sessions, handlers, batch)

        assert len(sent) == STATEMENTS_PER_PURCHASES_RUN, sent
        assert len([s for s in sent if "journey_runs" in s]) == 3
        assert len([s for s in sent if "journey_purchases" in s]) == 1


def _accounts_opened(count: int) -> list[CloudEvent]:
    """Events messaging takes only for webhooks."""
    return [
        CloudEvent.of(
            AccountOpened(
                account_id=uuid.uuid4(),
                member_id=uuid.uuid4(),
                tier_code="silver",
                tier_name="银卡",
                opened_at=datetime.now(UTC),
            ),
            source="/huiyuan/loyalty",
        )
        for _ in range(count)
    ]


async def _claimed(sessions: Sessions, batch: list[CloudEvent]) -> int:
    async with sessions() as session:
        found = await session.scalar(
            select(func.count()).where(inbox.table.c.event_id.in_([e.id for e in batch]))
        )
        return int(found or 0)


async def test_events_no_subscription_names_cost_one_statement_and_no_transaction(
    stack: Stack, handlers: Handlers
) -> None:
    """Only webhooks take ``loyalty.account.opened`` (as only webhooks take
    ``messaging.notification.sent``, one per SMS), and no subscription names it: the batch
    reads the kept subscriptions' token, before any transaction, and writes nothing, not
    even its inbox rows (before issue 19's fifth round: ``BEGIN``, the subscriptions,
    ``COMMIT``)."""
    # a connection per session, opened where its BEGIN and COMMIT are counted
    engine = create_async_engine(stack.database_urls["messaging"], poolclass=NullPool)
    sessions = create_sessions(engine)
    try:
        await _keep_subscriptions(sessions, handlers)
        batch = _accounts_opened(30)
        with round_trips(sessions) as sent:
            await _apply(sessions, handlers, batch)
    finally:
        await engine.dispose()

    # (both of the counter's watchers see the token's read, sent on asyncpg's connection)
    assert set(sent) == {"SELECT version FROM messaging.kept_versions WHERE name = $1"}
    assert await _claimed(sessions, batch) == 0


async def test_events_a_subscription_names_are_claimed_and_queued_in_one_statement(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    subscription = uuid.uuid4()
    async with transaction(messaging_sessions) as session:
        await session.execute(
            insert(WebhookSubscription.__table__).values(  # type: ignore[attr-defined]
                id=subscription,
                url="https://hooks.example.com/huiyuan",
                event_types=["loyalty.account.opened"],
                active=True,
                secret_encrypted=CIPHER.encrypt("whsec_test"),
                created_at=datetime.now(UTC),
                updated_at=datetime.now(UTC),
            )
        )
    try:
        batch, again = _accounts_opened(30), _accounts_opened(30)
        sent = await _apply(messaging_sessions, handlers, batch)
        sent_again = await _apply(messaging_sessions, handlers, again)
    finally:
        async with transaction(messaging_sessions) as session:
            await session.execute(
                delete(WebhookSubscription).where(col(WebhookSubscription.id) == subscription)
            )

    # the token, new since the subscription was made, the subscriptions, the inbox's claim,
    # the deliveries; then the same but the subscriptions, kept
    assert len(sent) == 4, sent
    assert len(sent_again) == 3, sent_again
    assert await _claimed(messaging_sessions, batch + again) == len(batch + again)
