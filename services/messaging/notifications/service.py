"""Use cases of notifications: queue them per channel, consent and policy, keep queued ones
in line with the member's contact, and read them (what the dispatcher does with them is in
:mod:`.outcomes`). They flush, never commit: the caller owns the transaction."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.messaging.base import emit
from services.messaging.contacts import service as contacts
from services.messaging.contacts.domain import ContactCard, Reach
from services.messaging.notifications import domain, repository, statistics
from services.messaging.notifications.domain import Notice
from services.messaging.notifications.schemas import (
    BroadcastCount,
    ChannelStatusCount,
    DailyCount,
    DailyStats,
    NotificationOut,
    NotificationPage,
    NotificationStats,
    ReasonCount,
)
from services.messaging.policy import domain as policy_domain
from services.messaging.policy import service as policies
from services.messaging.policy.domain import Policy
from services.messaging.templates import rendering
from services.messaging.templates import service as templates
from services.messaging.templates.domain import Template, is_marketing
from shared.crypto import PiiCipher
from shared.csvtext import csv_text
from shared.db import AsyncSession
from shared.events.messaging import (
    Channel,
    NotificationDeferred,
    NotificationSuppressed,
)
from shared.inputs import input_defaults
from shared.pagination import PageKey, as_key, encode_cursor, keyset_page

log = logging.getLogger(__name__)


async def notify_member(
    session: AsyncSession,
    cipher: PiiCipher,
    *,
    member_id: uuid.UUID,
    template: Template,
    trigger_event_id: str,
    context: Mapping[str, Any],
    withheld: Mapping[Channel, str] | None = None,
    broadcast_id: uuid.UUID | None = None,
    channels: Collection[str] = domain.CHANNELS,
) -> set[uuid.UUID]:
    """One notification per channel for a triggering event: queued, deferred past the
    quiet hours, or suppressed with a reason. A trigger already notified on a channel adds
    nothing. Returns the new ids. ``broadcast_id`` names the bulk send it is part of (its
    statistics count it under that campaign); ``channels`` limits the message to those
    (a bulk send on SMS only has no email to record).

    A channel without consent or address, or named in ``withheld`` (channel → reason: a
    rule of the caller's, such as the points message's), is suppressed. A marketing
    template (:func:`services.messaging.templates.domain.message_class`) then also needs the
    channel's marketing consent, is suppressed as a ``duplicate`` or over the frequency
    cap, and inside the quiet hours of the member's timezone is ``deferred`` to their end,
    by the brand's policy; its counts are taken under the member's lock.

    Raises :class:`~services.messaging.contacts.errors.ContactNotKnown` while the member's
    registration has not been consumed."""
    notice = Notice(member_id, trigger_event_id, context, withheld or {})
    [inserted] = await _notify(session, cipher, template, [notice], broadcast_id, channels)
    return inserted


async def notify_members(
    session: AsyncSession, cipher: PiiCipher, template: Template, notices: Sequence[Notice]
) -> list[set[uuid.UUID]]:
    """:func:`notify_member` for many triggering events of one template at once. For a
    template no policy holds back (a transactional one), the contacts are read in two
    statements, every notification is written in one and the events of those held back
    in one more; a marketing template or the digest tells one member at a time, so each
    sees the ones before it in its counts. Returns the new ids of each notice, in order.

    Raises :class:`~services.messaging.contacts.errors.ContactNotKnown` while a member's
    registration has not been consumed."""
    if is_marketing(template) or template in policy_domain.WAITS_FOR_MORNING:
        told = [await _notify(session, cipher, template, [n]) for n in notices]
        return [inserted for [inserted] in told]
    return await _notify(session, cipher, template, notices)


async def _notify(
    session: AsyncSession,
    cipher: PiiCipher,
    template: Template,
    notices: Sequence[Notice],
    broadcast_id: uuid.UUID | None = None,
    channels: Collection[str] = domain.CHANNELS,
) -> list[set[uuid.UUID]]:
    if not notices:
        return []
    cards = await contacts.cards_of(session, cipher, {n.member_id for n in notices})
    texts = await templates.published(session)
    now = datetime.now(UTC)
    rows: list[list[dict[str, Any]]] = []
    for notice in notices:
        card = cards[notice.member_id]
        gate = await _marketing_gate(session, notice.member_id, template, card, now)
        rows.append(
            domain.notification_rows(
                cipher,
                card,
                texts,
                template,
                notice,
                now,
                broadcast_id=broadcast_id,
                channels=channels,
                held=gate.reason if gate else None,
                quiet_until=gate.quiet_until if gate else None,
            )
        )
    every = [row for of_notice in rows for row in of_notice]
    inserted = await repository.insert_notifications(session, every)
    await emit(session, *_policy_events(every, inserted))
    return [{row["id"] for row in of_notice} & inserted for of_notice in rows]


async def send_code(
    session: AsyncSession,
    cipher: PiiCipher,
    *,
    member_id: uuid.UUID,
    phone_encrypted: str,
    code: str,
    minutes: int,
    locale: str,
    trigger_event_id: str,
) -> set[uuid.UUID]:
    """Queues a ``signin_code`` SMS to the phone that asked (``phone_encrypted``, E.164
    under the PII key), addressed to ``member_id`` (the phone's member, or the id a member
    signing up gets): transactional, so no marketing consent, cap or quiet hours hold it,
    and sent without looking for a contact (the phone may have no member yet). Once per
    trigger, like any notification. Its body is stored encrypted (a
    :data:`~services.messaging.templates.domain.SECRET_TEMPLATES` template). Returns the
    new id, if new."""
    template: Template = "signin_code"
    texts = await templates.published(session)
    rendered = rendering.render(
        template,
        locale,
        "sms",
        {"name": "", "code": code, "minutes": minutes},
        marketing=False,
        texts=texts,
    )
    now = datetime.now(UTC)
    phone = cipher.decrypt(phone_encrypted)
    row: dict[str, Any] = {
        "id": uuid.uuid4(),
        "member_id": member_id,
        "channel": "sms",
        "template": template,
        "trigger_event_id": trigger_event_id,
        "recipient_masked": domain.mask_recipient("sms", phone),
        "recipient_encrypted": phone_encrypted,
        "subject": None,
        "body": cipher.encrypt(rendered.body),
        "error": None,
        "reason": None,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "broadcast_id": None,
        "status": "queued",
    }
    return await repository.insert_notifications(session, [row])


@dataclass(frozen=True)
class _MarketingGate:
    """What the policy says of a marketing message (or a digest) to one member now."""

    policy: Policy
    marketing: bool
    counts: Mapping[str, repository.RecentMarketing]
    quiet_until: datetime | None

    def reason(self, channel: Channel, reach: Reach) -> str | None:
        if not self.marketing:
            return None
        recent = self.counts.get(channel, repository.RecentMarketing(0, False))
        return policy_domain.marketing_reason(
            channel,
            consent=reach.marketing,
            duplicate=recent.duplicate,
            in_period=recent.in_period,
            cap=self.policy.cap,
        )


async def _marketing_gate(
    session: AsyncSession,
    member_id: uuid.UUID,
    template: Template,
    card: ContactCard,
    now: datetime,
) -> _MarketingGate | None:
    """The policy's view of a marketing ``template`` (or a digest, which only waits for
    the quiet hours) to the member; ``None`` for a transactional one, which no policy
    holds back."""
    marketing = is_marketing(template)
    if not marketing and template not in policy_domain.WAITS_FOR_MORNING:
        return None
    policy = await policies.current(session)
    counts: Mapping[str, repository.RecentMarketing] = {}
    cap, dedupe = policy.cap, policy.dedupe_hours
    if marketing and (cap is not None or dedupe):
        await policies.lock_member(session, member_id)
        counts = await repository.recent_marketing(
            session,
            member_id,
            template,
            marketing=policy_domain.MARKETING_TEMPLATES,
            cap_since=now - timedelta(days=cap.days) if cap else None,
            dedupe_since=now - timedelta(hours=dedupe) if dedupe else None,
        )
    quiet_until = None
    if policy.quiet_hours is not None:
        zone = policy_domain.member_zone(card.sms.address, input_defaults().business_timezone)
        quiet_until = policy.quiet_hours.until(now, zone)
    return _MarketingGate(policy, marketing, counts, quiet_until)


def _policy_events(
    rows: Iterable[dict[str, Any]], inserted: set[uuid.UUID]
) -> Iterator[NotificationSuppressed | NotificationDeferred]:
    """The events of the new rows held back: suppressed, or deferred to a later time."""
    for row in rows:
        if row["id"] not in inserted or row["status"] not in ("suppressed", "deferred"):
            continue
        about = {
            "notification_id": row["id"],
            "member_id": row["member_id"],
            "channel": row["channel"],
            "template": row["template"],
            "trigger_event_id": row["trigger_event_id"],
            "reason": row["reason"],
        }
        if row["status"] == "deferred":
            yield NotificationDeferred(**about, until=row["next_attempt_at"])
        else:
            yield NotificationSuppressed(**about)


async def follow_contact(session: AsyncSession, cipher: PiiCipher, member_id: uuid.UUID) -> None:
    """Brings the member's queued notifications in line with their contact as it is now,
    before the dispatcher sends them: on a channel that no longer reaches the member
    (consent withdrawn, member inactive, address removed) they are cancelled with the
    reason; on the others they go to the current address, marketing ones only with
    marketing consent.

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
        if not reach.marketing:
            await cancel_queued_marketing(session, member_id, channel)


async def cancel_queued_marketing(
    session: AsyncSession, member_id: uuid.UUID, channel: Channel
) -> None:
    """Cancels the member's queued marketing notifications on ``channel`` (an opt-out, or
    marketing consent withdrawn), before the dispatcher sends them."""
    reason = policy_domain.no_marketing_consent(channel)
    cancelled = await repository.cancel_queued(
        session, member_id, channel, reason, policy_domain.MARKETING_TEMPLATES
    )
    if cancelled:
        log.info("%d marketing %s notification(s) cancelled", cancelled, channel)


async def list_notifications(
    session: AsyncSession,
    member_id: uuid.UUID,
    limit: int,
    channel: Channel | None,
    before: PageKey | None,
) -> NotificationPage:
    """The member's notifications (on ``channel``, if given), newest first, ``limit`` at a
    time after the page that ended at ``before``."""
    rows = await repository.for_member(session, member_id, limit + 1, channel, as_key(before))
    page, next_cursor = keyset_page(rows, limit, lambda row: encode_cursor(row.created_at, row.id))
    items = [NotificationOut.model_validate(row) for row in page]
    return NotificationPage(items=items, next_cursor=next_cursor)


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
    fen, and per reason of those held back (suppressed, deferred, cancelled). Raises
    :class:`~services.messaging.notifications.errors.PeriodReversed` if ``first`` is after
    ``last``."""
    start, end = domain.period(first, last, timezone)
    items = [
        ChannelStatusCount.model_validate(
            {"channel": group_channel, "status": status, "count": count, "cost_fen": cost}
        )
        for group_channel, status, count, cost in await statistics.counts(
            session, start, end, channel
        )
    ]
    reasons = [
        ReasonCount.model_validate({"channel": c, "status": s, "reason": r, "count": n})
        for c, s, r, n in await statistics.reason_counts(session, start, end, channel)
    ]
    return NotificationStats(
        items=items,
        total=sum(item.count for item in items),
        sms_cost_fen=sum(item.cost_fen for item in items if item.channel == "sms"),
        reasons=reasons,
    )


async def daily_stats(
    session: AsyncSession,
    *,
    first: date,
    last: date,
    timezone: ZoneInfo,
    only: Mapping[str, object],
) -> DailyStats:
    """Counts per day (in ``timezone``), channel, provider, template, bulk send
    (``broadcast_id``) and status of the notifications created on the days ``first`` to
    ``last`` (inclusive) whose columns equal ``only`` (``channel``, ``provider``,
    ``template``, ``broadcast_id``), with SMS segments and cost in fen.
    Raises :class:`~services.messaging.notifications.errors.PeriodReversed` and
    :class:`~services.messaging.notifications.errors.PeriodTooLong` (over 366 days)."""
    start, end = domain.daily_period(first, last, timezone)
    rows = await statistics.daily_counts(session, start, end, timezone.key, only)
    names = ("day", *statistics.DAILY_DIMENSIONS, "count", "segments", "cost_fen")
    items = [DailyCount.model_validate(dict(zip(names, row, strict=True))) for row in rows]
    return DailyStats(
        items=items,
        total=sum(item.count for item in items),
        cost_fen=sum(item.cost_fen for item in items),
    )


async def broadcast_counts(session: AsyncSession, broadcast_id: uuid.UUID) -> list[BroadcastCount]:
    """Per channel, status and reason (empty: none): the notifications of a bulk send, with
    SMS segments and cost in fen."""
    rows = await statistics.broadcast_counts(session, broadcast_id)
    names = ("channel", "status", "reason", "count", "segments", "cost_fen")
    return [BroadcastCount.model_validate(dict(zip(names, row, strict=True))) for row in rows]


async def cancel_broadcast(session: AsyncSession, broadcast_id: uuid.UUID, reason: str) -> int:
    """Cancels the bulk send's notifications not yet sent (queued, deferred, and those
    being sent: their outcome decides) with ``reason``; how many."""
    return await repository.cancel_of_broadcast(session, broadcast_id, reason)


def daily_csv(stats: DailyStats) -> str:
    """The daily counts as CSV, with the header :data:`~.domain.DAILY_HEADER`."""
    return csv_text(
        domain.DAILY_HEADER,
        ([getattr(item, name) for name in domain.DAILY_HEADER] for item in stats.items),
    )
