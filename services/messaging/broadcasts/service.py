"""Use cases of bulk sends (群发): set one up, start, pause, resume or cancel it, take its
recipients, hand them to the notifications at its pace, and account for it. They flush,
never commit: the caller owns the transaction.

A broadcast's recipients are a snapshot taken in one statement when it starts (at once,
or by the worker at ``scheduled_at``). The worker then takes one batch at a time
(:func:`send_due`): in one transaction it queues the batch's notifications (policy,
consent, quiet hours and caps apply as to any marketing message) and marks those
recipients notified, so a crash redoes a batch whose transaction did not commit and never
one that did; and a redone batch queues nothing twice, each recipient's trigger id being
derived from the broadcast and the member (:func:`.domain.trigger_id`)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Select

from services.messaging.base import segment_copies
from services.messaging.broadcasts import domain, repository
from services.messaging.broadcasts.errors import (
    AudienceNotFound,
    BroadcastNotFound,
    TemplateNotBroadcastable,
)
from services.messaging.broadcasts.models import Broadcast
from services.messaging.broadcasts.schemas import (
    AudienceUploaded,
    BroadcastIn,
    BroadcastOut,
    BroadcastPage,
    BroadcastReport,
    BroadcastSummary,
    Recipients,
    ReportTotals,
)
from services.messaging.contacts import service as contacts
from services.messaging.contacts.errors import ContactNotKnown
from services.messaging.notifications import service as notifications
from services.messaging.notifications.schemas import BroadcastCount
from services.messaging.policy import service as policies
from services.messaging.templates import rendering
from shared.crypto import PiiCipher
from shared.csvtext import csv_text
from shared.db import AsyncSession
from shared.inputs import input_defaults
from shared.pagination import PageKey, encode_cursor

log = logging.getLogger(__name__)


async def create(session: AsyncSession, body: BroadcastIn, staff: str) -> BroadcastOut:
    """A draft broadcast. Raises :class:`TemplateNotBroadcastable` (422 naming
    ``template``) and :class:`AudienceNotFound` (422 naming ``audience.members.<i>`` or
    ``audience.cards.<i>``, the first member or card messaging does not know, or
    ``audience.segment``, a segment no ``analytics.segment.changed`` told it of)."""
    if not domain.broadcastable(rendering.catalog()[body.template]):
        raise TemplateNotBroadcastable(
            f"{body.template} is not a marketing template needing only the member's name",
            field="template",
        )
    audience = body.audience.model_dump(mode="json")
    if "members" in audience:
        await _check_members(session, [uuid.UUID(m) for m in audience["members"]])
    if "cards" in audience:
        await _check_cards(session, audience["cards"])
    if "segment" in audience and not await segment_copies.known(
        session, uuid.UUID(audience["segment"])
    ):
        raise AudienceNotFound(
            f"segment {audience['segment']} is not known to messaging (not yet published, "
            "or deleted)",
            field="audience.segment",
        )
    now = datetime.now(UTC)
    row = await repository.add(
        session,
        Broadcast(
            name=body.name,
            template=body.template,
            channels=sorted(set(body.channels)),
            audience=audience,
            state="draft",
            rate_per_second=body.rate_per_second,
            scheduled_at=body.scheduled_at,
            created_by=staff,
            created_at=now,
            updated_at=now,
        ),
    )
    return await _out(session, row)


async def _check_members(session: AsyncSession, members: Sequence[uuid.UUID]) -> None:
    known = await contacts.known_members(session, members)
    for index, member in enumerate(members):
        if member not in known:
            raise AudienceNotFound(
                f"member {member} is not known to messaging", field=f"audience.members.{index}"
            )


async def _check_cards(session: AsyncSession, cards: Sequence[str]) -> None:
    known = await contacts.members_by_cards(session, cards)
    for index, card in enumerate(cards):
        if card not in known:
            raise AudienceNotFound(
                f"card {card} is not known to messaging", field=f"audience.cards.{index}"
            )


async def upload(
    session: AsyncSession, cipher: PiiCipher, broadcast_id: uuid.UUID, text: str
) -> AudienceUploaded:
    """The draft's audience becomes the members an uploaded CSV list names
    (:func:`.domain.parse_upload`): by member id, card number or phone (matched by its
    lookup hash: every active member with that number). Raises
    :class:`BroadcastNotFound`, :class:`~.errors.BroadcastStateConflict` (not a draft) and
    :class:`~.errors.AudienceRowsRefused` naming every row that is malformed or names
    nobody, in one answer (nothing is kept then)."""
    row = await _broadcast(session, broadcast_id, lock=True)
    domain.check_action("upload", domain.state(row.state))
    listed = domain.parse_upload(text)
    values = [value for _, value in listed.values]
    found: dict[str, list[uuid.UUID]]
    if listed.column == "member_id":
        known = await contacts.known_members(session, [uuid.UUID(v) for v in values])
        found = {v: [uuid.UUID(v)] for v in values if uuid.UUID(v) in known}
    elif listed.column == "card_number":
        found = {c: [m] for c, m in (await contacts.members_by_cards(session, values)).items()}
    else:
        found = await contacts.members_by_phones(session, cipher, values)
    unknown = [
        domain.RowError(number, f"{_named(listed.column, value)} names no member messaging knows")
        for number, value in listed.values
        if value not in found
    ]
    if listed.errors or unknown:
        raise domain.refused([*listed.errors, *unknown])
    members = sorted({str(m) for value in values for m in found[value]})
    row.audience = {"members": members, "uploaded": {"column": listed.column, "rows": len(values)}}
    row.updated_at = datetime.now(UTC)
    await session.flush()
    return AudienceUploaded(rows=len(values), members=len(members), column=listed.column)


def _named(column: str, value: str) -> str:
    """A value of an uploaded list as an error names it: a phone is personal data, so
    only its column."""
    return "the phone" if column == "phone" else f"{column} {value!r}"


async def start(session: AsyncSession, broadcast_id: uuid.UUID) -> BroadcastOut:
    """A draft starts: at its ``scheduled_at`` if that is ahead (``scheduled``), else now
    (its recipients are taken in this transaction and it is ``sending``). Raises
    :class:`BroadcastNotFound` and :class:`~.errors.BroadcastStateConflict`."""
    row = await _broadcast(session, broadcast_id, lock=True)
    domain.check_action("start", domain.state(row.state))
    now = datetime.now(UTC)
    if row.scheduled_at is not None and row.scheduled_at > now:
        _move(row, "scheduled", now, due_at=row.scheduled_at)
    else:
        await _take_recipients(session, row, now)
    return await _out(session, row)


async def pause(session: AsyncSession, broadcast_id: uuid.UUID) -> BroadcastOut:
    """No further batch goes until it is resumed (what was queued goes out). Raises
    :class:`BroadcastNotFound` and :class:`~.errors.BroadcastStateConflict`."""
    row = await _broadcast(session, broadcast_id, lock=True)
    domain.check_action("pause", domain.state(row.state))
    _move(row, "paused", datetime.now(UTC), due_at=None)
    return await _out(session, row)


async def resume(session: AsyncSession, broadcast_id: uuid.UUID) -> BroadcastOut:
    """A paused broadcast goes on: sending from now if its recipients were taken, else
    scheduled again (at once if its time passed). Raises :class:`BroadcastNotFound` and
    :class:`~.errors.BroadcastStateConflict`."""
    row = await _broadcast(session, broadcast_id, lock=True)
    domain.check_action("resume", domain.state(row.state))
    if row.state == "paused":
        now = datetime.now(UTC)
        if row.started_at is not None:
            _move(row, "sending", now, due_at=now)
        else:
            _move(row, "scheduled", now, due_at=max(now, row.scheduled_at or now))
    return await _out(session, row)


async def cancel(session: AsyncSession, broadcast_id: uuid.UUID) -> BroadcastOut:
    """Ends it: its pending recipients are cancelled, and so are its notifications not yet
    sent (reason :data:`.domain.CANCELLED_REASON`). Raises :class:`BroadcastNotFound` and
    :class:`~.errors.BroadcastStateConflict` (completed)."""
    row = await _broadcast(session, broadcast_id, lock=True)
    domain.check_action("cancel", domain.state(row.state))
    if row.state != "cancelled":
        now = datetime.now(UTC)
        await repository.mark(session, row.id, None, "cancelled", now)
        await notifications.cancel_broadcast(session, row.id, domain.CANCELLED_REASON)
        _move(row, "cancelled", now, due_at=None)
        row.finished_at = now
    return await _out(session, row)


async def send_due(session: AsyncSession, cipher: PiiCipher, now: datetime) -> bool:
    """The worker's step: one due broadcast (``SKIP LOCKED``) takes its recipients (when
    scheduled), waits out the brand's quiet hours, or hands one batch to the notifications
    and sets when the next may go; whether one was due."""
    row = await repository.claim_due(session, now)
    if row is None:
        return False
    if row.state == "scheduled":
        await _take_recipients(session, row, now)
        return True
    quiet = (await policies.current(session)).quiet_hours
    quiet_until = quiet.until(now, input_defaults().business_timezone) if quiet else None
    if quiet_until is not None:  # else every batch of the night would go at its end at once
        _move(row, "sending", now, due_at=quiet_until)
        return True
    size = domain.batch_size(row.rate_per_second)
    taken = await repository.pending(session, row.id, size + 1)  # one more: is it the last?
    batch = taken[:size]
    for member_id in batch:
        try:
            await notifications.notify_member(
                session,
                cipher,
                member_id=member_id,
                template=domain.template(row.template),
                trigger_event_id=domain.trigger_id(row.id, member_id),
                context={},
                broadcast_id=row.id,
                channels=row.channels,
            )
        except ContactNotKnown:  # taken from the contacts: erased since
            log.info("broadcast %s: member %s has no contact any more", row.id, member_id)
    await repository.mark(session, row.id, batch, "notified", now)
    if len(taken) <= size:
        _move(row, "completed", now, due_at=None)
        row.finished_at = now
    else:
        row.due_at = domain.next_batch_at(now, len(batch), row.rate_per_second)
    return True


async def next_due(session: AsyncSession) -> datetime | None:
    """When the next scheduled or sending broadcast is due; ``None``: none is."""
    return await repository.next_due(session)


async def _take_recipients(session: AsyncSession, row: Broadcast, now: datetime) -> None:
    row.total = await repository.take_recipients(session, row.id, _selection(row.audience))
    row.started_at = now
    _move(row, "sending", now, due_at=now)


def _selection(audience: dict[str, object]) -> Select[tuple[uuid.UUID]]:
    """The active contacts an audience names, as a SQL selection; a segment's are the
    members messaging's copy of it holds when the send starts (``analytics.segment.*``)."""
    if "members" in audience:
        return contacts.reachable(members=[uuid.UUID(str(m)) for m in _listed(audience, "members")])
    if "cards" in audience:
        return contacts.reachable(cards=[str(c) for c in _listed(audience, "cards")])
    if "segment" in audience:
        return contacts.reachable(
            selected=segment_copies.member_ids(uuid.UUID(str(audience["segment"])))
        )
    if "tags" in audience:
        return contacts.reachable(tags=[uuid.UUID(str(t)) for t in _listed(audience, "tags")])
    return contacts.reachable(marketing_only=True)


def _listed(audience: dict[str, object], kind: str) -> list[object]:
    values = audience[kind]
    if not isinstance(values, list):
        raise TypeError(f"audience {kind} is not a list")
    return values


def _move(row: Broadcast, state: domain.State, now: datetime, *, due_at: datetime | None) -> None:
    row.state = state
    row.due_at = due_at
    row.updated_at = now


async def _broadcast(
    session: AsyncSession, broadcast_id: uuid.UUID, *, lock: bool = False
) -> Broadcast:
    row = await repository.get(session, broadcast_id, lock=lock)
    if row is None:
        raise BroadcastNotFound(f"no broadcast with id {broadcast_id}")
    return row


async def progress(session: AsyncSession, broadcast_id: uuid.UUID) -> BroadcastOut:
    """The broadcast with its recipients and notifications so far. Raises
    :class:`BroadcastNotFound`."""
    return await _out(session, await _broadcast(session, broadcast_id))


async def page(
    session: AsyncSession, limit: int, after: PageKey | None, state: domain.State | None
) -> BroadcastPage:
    """Up to ``limit`` broadcasts (in ``state``, if given), newest first, after ``after``."""
    rows = await repository.page(session, limit + 1, after, state)
    last = rows[limit - 1] if len(rows) > limit else None
    return BroadcastPage(
        items=[BroadcastSummary.model_validate(row, from_attributes=True) for row in rows[:limit]],
        next_cursor=encode_cursor(last.created_at, last.id) if last else None,
    )


async def _recipients(session: AsyncSession, row: Broadcast) -> Recipients:
    counts = await repository.recipient_counts(session, row.id)
    return Recipients(
        total=row.total,
        pending=counts.get("pending", 0),
        notified=counts.get("notified", 0),
        cancelled=counts.get("cancelled", 0),
    )


async def _out(session: AsyncSession, row: Broadcast) -> BroadcastOut:
    return BroadcastOut.model_validate(
        {
            **{
                name: getattr(row, name) for name in BroadcastOut.model_fields if hasattr(row, name)
            },
            "recipients": await _recipients(session, row),
            "notifications": await notifications.broadcast_counts(session, row.id),
        }
    )


async def report(session: AsyncSession, broadcast_id: uuid.UUID) -> BroadcastReport:
    """Per channel: sent, delivered, failed, suppressed, cancelled and pending, with the
    SMS cost in fen, and the counts per status and reason they add up from. Raises
    :class:`BroadcastNotFound`."""
    row = await _broadcast(session, broadcast_id)
    counts = await notifications.broadcast_counts(session, row.id)
    return BroadcastReport(
        id=row.id,
        name=row.name,
        state=domain.state(row.state),
        recipients=await _recipients(session, row),
        totals={c: _totals([n for n in counts if n.channel == c]) for c in row.channels},
        notifications=counts,
    )


def _totals(counts: Sequence[BroadcastCount]) -> ReportTotals:
    def of(*statuses: str) -> int:
        return sum(n.count for n in counts if n.status in statuses)

    return ReportTotals(
        sent=of("sent", "delivered", "undelivered"),
        delivered=of("delivered"),
        failed=of("failed", "undelivered"),
        suppressed=of("suppressed"),
        cancelled=of("cancelled"),
        pending=of("queued", "deferred", "sending"),
        cost_fen=sum(n.cost_fen for n in counts),
    )


def report_csv(report: BroadcastReport) -> str:
    """The report's counts as CSV, with the header :data:`.domain.REPORT_HEADER`."""
    return csv_text(
        domain.REPORT_HEADER,
        ([getattr(n, name) for name in domain.REPORT_HEADER] for n in report.notifications),
    )
