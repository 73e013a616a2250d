"""Use cases of messaging. They flush, never commit: the caller owns the transaction."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from services.messaging import domain, repository, templates
from services.messaging.config import Settings
from services.messaging.domain import Template
from services.messaging.models import Contact, Notification, emit
from services.messaging.providers import Delivery, DeliveryError
from shared.crypto import PiiCipher
from shared.db import AsyncSession
from shared.events.customer import MemberRegistered
from shared.events.messaging import (
    Channel,
    NotificationFailed,
    NotificationSent,
    NotificationSuppressed,
)
from shared.inbox import AwaitingEvent

log = logging.getLogger(__name__)


class ContactNotKnown(AwaitingEvent):
    """No contact for the member yet: its registration event has not been consumed.

    Loyalty and customer events travel on different topics, so a loyalty event can
    overtake the registration. Raising lets the consumer runner roll the batch back and
    retry it with backoff; if the contact never arrives the event is parked as a dead
    letter after ``consumer_await_event_seconds``.
    """


async def record_contact(
    session: AsyncSession, cipher: PiiCipher, registered: MemberRegistered
) -> None:
    await repository.upsert_contact(
        session,
        {
            "member_id": registered.member_id,
            "name": registered.name,
            "locale": domain.pick_locale(registered.locale),
            "phone_encrypted": cipher.encrypt(registered.phone),
            "email_encrypted": cipher.encrypt(registered.email) if registered.email else None,
            "consent_sms": registered.consent.sms,
            "consent_email": registered.consent.email,
            "updated_at": registered.registered_at,
        },
    )


def _channel_address(contact: Contact, channel: Channel) -> tuple[bool, str | None]:
    if channel == "email":
        return contact.consent_email, contact.email_encrypted
    return contact.consent_sms, contact.phone_encrypted


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
    reason. A trigger already notified on a channel adds nothing. Returns the new ids."""
    contact = await repository.get_contact(session, member_id)
    if contact is None:
        raise ContactNotKnown(f"no contact for member {member_id} yet")
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for channel in domain.CHANNELS:
        consent, encrypted = _channel_address(contact, channel)
        address = cipher.decrypt(encrypted) if encrypted else None
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
        reason = domain.suppression_reason(channel, consent=consent, address=address)
        if reason is not None:
            row.update(status="suppressed", error=reason)
        else:
            rendered = templates.render(
                template, contact.locale, channel, {"name": contact.name, **context}
            )
            row.update(
                status="queued",
                recipient_encrypted=encrypted,
                subject=rendered.subject,
                body=rendered.body,
            )
        rows.append(row)
    inserted = await repository.insert_notifications(session, rows)
    fresh = [row for row in rows if row["id"] in inserted]
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
            for row in fresh
            if row["status"] == "suppressed"
        ),
    )
    return inserted


async def record_outcomes(
    session: AsyncSession,
    settings: Settings,
    outcomes: Iterable[tuple[Notification, Delivery | DeliveryError]],
) -> None:
    """Record what the providers said about each notification, with its outbox event.

    A delivery marks it sent. A failed attempt schedules a retry, or gives up, marks it
    failed and publishes the failure. One statement per kind of change, whatever the batch
    size."""
    now = datetime.now(UTC)
    sent: list[dict[str, Any]] = []
    retried: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    events: list[NotificationSent | NotificationFailed] = []
    for notification, outcome in outcomes:
        attempts = notification.attempts + 1
        if isinstance(outcome, Delivery):
            sent.append(
                {
                    "id": notification.id,
                    "status": "sent",
                    "attempts": attempts,
                    "provider_message_id": outcome.provider_message_id,
                    "provider_response": outcome.response,
                    "error": None,
                    "sent_at": now,
                }
            )
            event: NotificationSent | NotificationFailed = NotificationSent(
                notification_id=notification.id,
                member_id=notification.member_id,
                channel=_channel(notification),
                template=notification.template,
                trigger_event_id=notification.trigger_event_id,
                provider_message_id=outcome.provider_message_id,
            )
        elif not domain.gives_up(
            attempts, settings.delivery_max_attempts, permanent=outcome.permanent
        ):
            message = str(outcome)[:2000]
            delay = domain.retry_delay(attempts, settings.delivery_retry_backoff_seconds)
            retried.append(
                {
                    "id": notification.id,
                    "attempts": attempts,
                    "error": message,
                    "next_attempt_at": now + delay,
                }
            )
            log.warning(
                "notification %s to %s failed (attempt %d), retrying in %s: %s",
                notification.id,
                notification.recipient_masked,
                attempts,
                delay,
                message,
            )
            continue
        else:
            message = str(outcome)[:2000]
            failed.append(
                {"id": notification.id, "status": "failed", "attempts": attempts, "error": message}
            )
            log.error(
                "notification %s to %s failed after %d attempt(s): %s",
                notification.id,
                notification.recipient_masked,
                attempts,
                message,
            )
            event = NotificationFailed(
                notification_id=notification.id,
                member_id=notification.member_id,
                channel=_channel(notification),
                template=notification.template,
                trigger_event_id=notification.trigger_event_id,
                error=message,
            )
        events.append(event)
    for rows in (sent, retried, failed):
        await repository.update_notifications(session, rows)
    await emit(session, *events)


def _channel(notification: Notification) -> Channel:
    return "email" if notification.channel == "email" else "sms"


async def list_notifications(
    session: AsyncSession, member_id: uuid.UUID, limit: int
) -> list[Notification]:
    return await repository.for_member(session, member_id, limit)
