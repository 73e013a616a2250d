"""Use cases of the dispatcher's side of notifications: lease the due ones, record what the
providers said of each (with its event), and apply a provider's delivery receipt. They
flush, never commit: the caller owns the transaction (the dispatcher, one short
transaction per lease and per group of outcomes; a receipts callback, one per batch)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from services.messaging.base import emit
from services.messaging.config import Settings
from services.messaging.notifications import domain, repository
from services.messaging.notifications.domain import (
    Delivered,
    Outcome,
    Outgoing,
    Receipted,
    ReceiptStatus,
    Status,
)
from services.messaging.notifications.models import Notification
from shared.db import AsyncSession
from shared.events.messaging import Channel, NotificationFailed, NotificationSent

log = logging.getLogger(__name__)


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
        provider=row.provider,
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
                    "provider": outcome.provider,
                    "segments": outcome.segments,
                    "cost_fen": outcome.cost_fen,
                    "error": None,
                    "sent_at": now,
                }
            )
            events.append(NotificationSent(**about, provider_message_id=message_id))
            continue
        if held[notification.id] == "cancelled":
            continue
        error = domain.provider_answer(outcome.error, domain.MAX_ERROR_LENGTH)
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
                    "provider": outcome.maybe_taken_by,
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
            {
                "id": notification.id,
                "status": "failed",
                "attempts": attempts,
                "error": error,
                "provider": outcome.maybe_taken_by,
            }
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


ReceiptSaid = tuple[str, ReceiptStatus, datetime]
"""A delivery receipt: the provider's message id, what it says, and when the phone got
the message (or the provider gave up)."""


async def apply_receipts(
    session: AsyncSession, provider: str, receipts: Sequence[ReceiptSaid]
) -> list[tuple[uuid.UUID, Status] | None]:
    """``provider``'s delivery receipts, applied in the order given to the SMS it took
    under their message ids (see :func:`domain.after_receipt`: a sent SMS becomes delivered
    or undelivered, an older receipt than one applied changes nothing). Per receipt, the
    notification's id and its status after that receipt, or ``None`` (logged) for an id
    no SMS sent through ``provider`` has. One statement reads and locks the SMS, one
    stores those that changed, whatever the number of receipts."""
    taken: dict[str, list[Receipted]] = {}
    for message_id, sms in await repository.sent_sms(
        session, provider, {message_id for message_id, _, _ in receipts}
    ):
        taken.setdefault(message_id, []).append(sms)
    before = {sms for found in taken.values() for sms in found}
    answers: list[tuple[uuid.UUID, Status] | None] = []
    for message_id, said, at in receipts:
        found = taken.get(message_id)
        if not found:
            log.warning("receipt from %s for message %s: no sent SMS has it", provider, message_id)
            answers.append(None)
            continue
        taken[message_id] = found = [domain.after_receipt(sms, said, at) for sms in found]
        answers.append((found[0].notification_id, found[0].status))
    changed = [sms for found in taken.values() for sms in found if sms not in before]
    await repository.set_receipts(session, changed)
    return answers


async def apply_bounce(
    session: AsyncSession,
    notification_id: uuid.UUID,
    message_id: str,
    reason: str | None,
    at: datetime,
) -> Notification | None:
    """A bounce the email provider reported (``at``: when) for the email it took as
    ``message_id``: with a ``reason`` (a hard bounce) the sent email becomes
    ``undelivered`` with it, once; without, it stays as it is. Returns the email, or
    ``None`` (logged) if no sent email has that id."""
    found = await repository.bounce_email(session, notification_id, message_id, reason, at)
    if found is None:
        log.warning("bounce for message %s: no sent email has it", message_id)
    return found
