"""Queries of erasure in messaging: what its tables hold about one member, removed or
blanked."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col

from services.messaging.base import segment_copies
from services.messaging.contacts.models import Contact, ContactTag, EmailSuppression
from services.messaging.journeys.models import ErasedMember, JourneyPurchase, JourneyRun
from services.messaging.notifications.models import Notification
from services.messaging.optouts.models import InboundSms
from services.messaging.webhooks.models import WebhookAttempt, WebhookDelivery
from shared.db import AsyncSession
from shared.privacy import scrubbed_text

ERASED = "member_erased"
"""The ``reason`` of a notification cancelled because its member was erased."""

_UNSENT = ("queued", "deferred", "sending")


async def blank_contact(session: AsyncSession, member_id: uuid.UUID) -> str | None:
    """Keeps the member's contact as an inactive tombstone (no name, phone, email, card,
    birthday or time zone; no consent), so later events about them find a contact that
    nothing reaches instead of waiting for one; deletes their tags and bounced
    addresses. Returns the phone hash the contact had (``None``: none, or no contact)."""
    phone_hash = await session.scalar(
        select(col(Contact.phone_hash)).where(col(Contact.member_id) == member_id).with_for_update()
    )
    await session.execute(
        update(Contact)
        .where(col(Contact.member_id) == member_id)
        .values(
            name_encrypted="",
            phone_encrypted="",
            email_encrypted=None,
            phone_hash=None,
            card_number=None,
            birth_month=None,
            birth_day=None,
            time_zone=None,
            consent_sms=False,
            consent_email=False,
            marketing_sms=False,
            marketing_email=False,
            active=False,
        )
    )
    for table in (ContactTag, EmailSuppression):
        await session.execute(delete(table).where(col(table.member_id) == member_id))
    await segment_copies.forget_member(session, member_id)
    return phone_hash


async def blank_notifications(session: AsyncSession, member_id: uuid.UUID) -> None:
    """Cancels the member's unsent notifications (reason :data:`ERASED`) and removes the
    rendered text, subject, address and provider answer of all of them; their channel,
    template, status and times stay for the brand's counts."""
    mine = col(Notification.member_id) == member_id
    await session.execute(
        update(Notification)
        .where(mine, col(Notification.status).in_(_UNSENT))
        .values(status="cancelled", reason=ERASED, error=ERASED)
    )
    await session.execute(
        update(Notification)
        .where(mine)
        .values(
            body=None,
            subject=None,
            recipient_encrypted=None,
            recipient_masked=None,
            provider_response=None,
        )
    )


async def forget_replies_and_runs(
    session: AsyncSession, member_id: uuid.UUID, phone_hash: str | None, erased_at: datetime
) -> None:
    """Deletes the SMS replies from the member's phone (``phone_hash``), their journeys'
    runs (whose context holds what their messages would say) and the purchases journeys
    kept of them, and lists the member as erased (at ``erased_at``) so that a purchase or
    a void consumed later keeps nothing of them again."""
    if phone_hash is not None:
        await session.execute(delete(InboundSms).where(col(InboundSms.sender_hash) == phone_hash))
    await session.execute(delete(JourneyRun).where(col(JourneyRun.member_id) == member_id))
    await session.execute(
        delete(JourneyPurchase).where(col(JourneyPurchase.member_id) == member_id)
    )
    await session.execute(
        insert(ErasedMember)
        .values(member_id=member_id, erased_at=erased_at)
        .on_conflict_do_nothing(index_elements=["member_id"])
    )


async def scrub_webhook_deliveries(session: AsyncSession, member_id: uuid.UUID) -> None:
    """Scrubs the webhook deliveries whose event names the member (personal fields out of
    the body, see :mod:`shared.privacy`) and drops their attempts' errors and receiver
    answers, which may echo it."""
    rows = await session.execute(
        select(col(WebhookDelivery.id), col(WebhookDelivery.body))
        .where(col(WebhookDelivery.body).like(f"%{member_id}%"))
        .with_for_update()
    )
    for delivery_id, body in rows.all():
        await session.execute(
            update(WebhookDelivery)
            .where(col(WebhookDelivery.id) == delivery_id)
            .values(body=scrubbed_text(body), last_error=None)
        )
        await session.execute(
            update(WebhookAttempt)
            .where(col(WebhookAttempt.delivery_id) == delivery_id)
            .values(error=None, response_snippet=None)
        )
