"""Use cases of notifications: queue them per channel and consent, hand due ones to the
dispatcher and record what became of them, and read them. They flush, never commit: the
caller owns the transaction."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from services.messaging.base import emit
from services.messaging.config import Settings
from services.messaging.contacts import service as contacts
from services.messaging.notifications import domain, repository
from services.messaging.notifications.domain import Delivered, Outcome, Outgoing
from services.messaging.notifications.models import Notification
from services.messaging.notifications.schemas import (
    ChannelStatusCount,
    NotificationOut,
    NotificationStats,
)
from services.messaging.templates import service as templates
from services.messaging.templates.domain import Template
from shared.crypto import PiiCipher
from shared.db import AsyncSession
from shared.events.messaging import (
    Channel,
    NotificationFailed,
    NotificationSent,
    NotificationSuppressed,
)

log = logging.getLogger(__name__)


async def notify_member(
    session: AsyncSession,
    cipher: PiiCipher,
    *,
    member_id: uuid.UUID,
    template: Template,
    trigger_event_id: str,
    context: Mapping[str, Any],
) -> set[uuid.UUID]:
    """One notification per channel for a triggering event: queued, or suppressed with a
    reason. A trigger already notified on a channel adds nothing. Returns the new ids.

    Raises :class:`~services.messaging.contacts.errors.ContactNotKnown` while the member's
    registration has not been consumed."""
    card = await contacts.card_of(session, cipher, member_id)
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for channel in domain.CHANNELS:
        reach = card.reach(channel)
        address = reach.address
        row: dict[str, Any] = {
            "id": uuid.uuid4(),
            "member_id": member_id,
            "channel": channel,
            "template": template,
            "trigger_event_id": trigger_event_id,
            "recipient_masked": domain.mask_recipient(channel, address) if address else None,
            "recipient_encrypted": None,
            "subject": None,
            "body": None,
            "error": None,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        reason = domain.suppression_reason(channel, reach)
        if reason is not None or address is None:
            row.update(status="suppressed", error=reason)
        else:
            rendered = templates.render(
                template, card.locale, channel, {"name": card.name, **context}
            )
            row.update(
                status="queued",
                recipient_encrypted=reach.encrypted or cipher.encrypt(address),
                subject=rendered.subject,
                body=rendered.body,
            )
        rows.append(row)
    inserted = await repository.insert_notifications(session, rows)
    await emit(
        session,
        *(
            NotificationSuppressed(
                notification_id=row["id"],
                member_id=member_id,
                channel=row["channel"],
                template=template,
                trigger_event_id=trigger_event_id,
                reason=row["error"],
            )
            for row in rows
            if row["id"] in inserted and row["status"] == "suppressed"
        ),
    )
    return inserted


async def follow_contact(session: AsyncSession, cipher: PiiCipher, member_id: uuid.UUID) -> None:
    """Brings the member's queued notifications in line with their contact as it is now,
    before the dispatcher sends them: on a channel that no longer reaches the member
    (consent withdrawn, member inactive, address removed) they are cancelled with the
    reason; on the others they go to the current address.

    Raises :class:`~services.messaging.contacts.errors.ContactNotKnown` without a contact.
    """
    card = await contacts.card_of(session, cipher, member_id)
    for channel in domain.CHANNELS:
        reach = card.reach(channel)
        reason = domain.suppression_reason(channel, reach)
        if reason is not None or reach.address is None:
            cancelled = await repository.cancel_queued(session, member_id, channel, reason)
            if cancelled:
                log.info("%d %s notification(s) cancelled: %s", cancelled, channel, reason)
            continue
        await repository.readdress_queued(
            session,
            member_id,
            channel,
            encrypted=reach.encrypted or cipher.encrypt(reach.address),
            masked=domain.mask_recipient(channel, reach.address),
        )


async def lease_due(session: AsyncSession, limit: int, until: datetime) -> list[Outgoing]:
    """Up to ``limit`` notifications whose next attempt is due, leased until ``until``
    (UTC): committed, the lease keeps other dispatchers off them until it runs out."""
    return [_outgoing(row) for row in await repository.lease_due(session, limit, until)]


def _outgoing(row: Notification) -> Outgoing:
    return Outgoing(
        id=row.id,
        member_id=row.member_id,
        channel=_channel(row.channel),
        template=row.template,
        trigger_event_id=row.trigger_event_id,
        attempts=row.attempts,
        recipient_encrypted=row.recipient_encrypted,
        recipient_masked=row.recipient_masked,
        subject=row.subject,
        body=row.body or "",
    )


def _channel(stored: str) -> Channel:
    return "email" if stored == "email" else "sms"


async def record_outcomes(
    session: AsyncSession,
    settings: Settings,
    outcomes: Sequence[tuple[Outgoing, Outcome]],
    leased_until: datetime,
) -> None:
    """Record what the providers said about each notification leased until
    ``leased_until``, with its event; one whose lease another dispatcher took over since
    is left to it.

    A delivery marks it sent, also one cancelled while it was being sent (the member got
    it). A failed attempt schedules a retry, or gives up, marks it failed and publishes the
    failure; a cancelled one stays cancelled. One statement per kind of change, whatever
    the batch size."""
    held = await repository.still_leased(session, [n.id for n, _ in outcomes], leased_until)
    for notification, _ in outcomes:
        if notification.id not in held:
            log.warning("notification %s: its lease ran out before its outcome", notification.id)
    now = datetime.now(UTC)
    sent: list[dict[str, Any]] = []
    retried: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    events: list[NotificationSent | NotificationFailed] = []
    for notification, outcome in outcomes:
        if notification.id not in held:
            continue
        attempts = notification.attempts + 1
        about = {
            "notification_id": notification.id,
            "member_id": notification.member_id,
            "channel": notification.channel,
            "template": notification.template,
            "trigger_event_id": notification.trigger_event_id,
        }
        if isinstance(outcome, Delivered):
            message_id = domain.provider_text(
                outcome.provider_message_id, domain.MAX_PROVIDER_MESSAGE_ID_LENGTH
            )
            sent.append(
                {
                    "id": notification.id,
                    "status": "sent",
                    "attempts": attempts,
                    "provider_message_id": message_id,
                    "provider_response": outcome.response,
                    "error": None,
                    "sent_at": now,
                }
            )
            events.append(NotificationSent(**about, provider_message_id=message_id))
            continue
        if held[notification.id] == "cancelled":
            continue
        error = domain.provider_text(outcome.error, domain.MAX_ERROR_LENGTH)
        if not domain.gives_up(
            attempts, settings.delivery_max_attempts, permanent=outcome.permanent
        ):
            delay = domain.retry_delay(attempts, settings.delivery_retry_backoff_seconds)
            retried.append(
                {
                    "id": notification.id,
                    "status": "queued",
                    "attempts": attempts,
                    "error": error,
                    "next_attempt_at": now + delay,
                }
            )
            log.warning(
                "notification %s to %s failed (attempt %d), retrying in %s: %s",
                notification.id,
                notification.recipient_masked,
                attempts,
                delay,
                error,
            )
            continue
        failed.append(
            {"id": notification.id, "status": "failed", "attempts": attempts, "error": error}
        )
        log.error(
            "notification %s to %s failed after %d attempt(s): %s",
            notification.id,
            notification.recipient_masked,
            attempts,
            error,
        )
        events.append(NotificationFailed(**about, error=error))
    for rows in (sent, retried, failed):
        await repository.update_notifications(session, rows)
    await emit(session, *events)


async def list_notifications(
    session: AsyncSession, member_id: uuid.UUID, limit: int, channel: Channel | None
) -> list[NotificationOut]:
    """The member's newest ``limit`` notifications (on ``channel``, if given), newest first."""
    rows = await repository.for_member(session, member_id, limit, channel)
    return [NotificationOut.model_validate(row) for row in rows]


async def stats(
    session: AsyncSession,
    *,
    first: date | None,
    last: date | None,
    channel: Channel | None,
    timezone: ZoneInfo,
) -> NotificationStats:
    """Counts per channel and status of the notifications created on the days ``first`` to
    ``last`` (inclusive, in ``timezone``; either open when ``None``), with the SMS cost in
    fen. Raises :class:`~services.messaging.notifications.errors.PeriodReversed` if
    ``first`` is after ``last``."""
    start, end = domain.period(first, last, timezone)
    items = [
        ChannelStatusCount.model_validate(
            {"channel": group_channel, "status": status, "count": count, "cost_fen": cost}
        )
        for group_channel, status, count, cost in await repository.counts(
            session, start, end, channel
        )
    ]
    return NotificationStats(
        items=items,
        total=sum(item.count for item in items),
        sms_cost_fen=sum(item.cost_fen for item in items if item.channel == "sms"),
    )
