"""Erasure's shared kernel: scrubbing a member's personal data out of a service's retained
outbox rows, its dead letters and its stored idempotent answers.

Every service keeps published events for ``outbox_retention_hours`` (to replay them to a
broker that lost its log) and parks the events it could not apply as dead letters. When a
member is erased (``customer.member.erased``, PIPL art. 47) each service scrubs what of
theirs these tables hold, in the transaction that erases the rest. Which rows: those whose
text names the member's id (an event about them, wherever it carries the id). What is
removed: every field of :data:`PERSONAL_FIELDS` and every ``*_encrypted`` field, at any
depth of the event; ids, amounts and times stay, so a row still tells what happened.

A scrubbed row that is replayed reaches only consumers that have it in their inbox
already (they skip it: see :func:`shared.inbox.apply_events`); a consumer that never saw
it parks it as a dead letter, as it would any event it cannot read.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import orjson
from sqlalchemy import String, cast, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.idempotency import IdempotencyKeys
from shared.inbox import Inbox
from shared.outbox import Outbox

PERSONAL_FIELDS = frozenset(
    {
        "name",
        "phone",
        "phone_hash",
        "email",
        "email_hash",
        "birthday",
        "gender",
        "address",
        "occupation",
    }
)
"""The field names (of events and their parts) that carry a member's personal data or a
keyed hash of it (a hash is linkable by whoever holds the key)."""

SCRUBBED_PAYLOAD = "(scrubbed: its member was erased)"
"""What a dead letter that is not JSON holds once scrubbed."""

ERROR_SCRUBBED = "(details scrubbed: its member was erased)"


TOMBSTONE = "erased-"
"""The prefix of a random value that replaces an erased member's unique lookup (a phone
hash, a card number): no hash or card number ever starts with it."""


def unlinkable(length: int) -> str:
    """A random value of ``length`` characters starting with :data:`TOMBSTONE`
    (``erased-3f9c…``), for a unique column an erased member's row keeps: no one can
    type it or link it to them."""
    return TOMBSTONE + secrets.token_hex(length)[: length - len(TOMBSTONE)]


def is_personal(field: str) -> bool:
    """Whether an event field named ``field`` carries personal data: one of
    :data:`PERSONAL_FIELDS`, or anything stored encrypted (``phone_encrypted``)."""
    return field in PERSONAL_FIELDS or field.endswith("_encrypted")


def scrubbed(value: Any) -> Any:
    """``value`` (parsed JSON) without its personal fields (:func:`is_personal`), at any
    depth: ``{"member_id": "7d1c…", "name": "李雷", "consent": {"sms": true}}`` becomes
    ``{"member_id": "7d1c…", "consent": {"sms": true}}``."""
    if isinstance(value, dict):
        return {key: scrubbed(item) for key, item in value.items() if not is_personal(key)}
    if isinstance(value, list):
        return [scrubbed(item) for item in value]
    return value


def scrubbed_text(payload: str) -> str:
    """A dead letter's stored payload (a record's value as text) scrubbed: JSON without
    its personal fields, anything else replaced by :data:`SCRUBBED_PAYLOAD`."""
    try:
        parsed = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return SCRUBBED_PAYLOAD
    return orjson.dumps(scrubbed(parsed)).decode()


def scrubbed_error(error: str) -> str:
    """A dead letter's error scrubbed: a validation error quotes the values it refused,
    so only the exception's name (before the first ``:``) stays."""
    name = error.split(":", 1)[0][:200]
    return name if name.endswith(ERROR_SCRUBBED) else f"{name}: {ERROR_SCRUBBED}"


def _naming(member_id: uuid.UUID) -> str:
    return f"%{member_id}%"


async def scrub_outbox(session: AsyncSession, outbox: Outbox, member_id: uuid.UUID) -> int:
    """Scrubs the retained outbox rows whose envelope names ``member_id`` (published or
    not: one still queued leaves scrubbed); how many changed."""
    table = outbox.table
    rows = await session.execute(
        select(table.c.seq, table.c.envelope)
        .where(cast(table.c.envelope, String).like(_naming(member_id)))
        .with_for_update()
    )
    changed = 0
    for seq, envelope in rows.all():
        clean = scrubbed(envelope)
        if clean != envelope:
            await session.execute(update(table).where(table.c.seq == seq).values(envelope=clean))
            changed += 1
    return changed


async def scrub_dead_letters(session: AsyncSession, inbox: Inbox, member_id: uuid.UUID) -> int:
    """Scrubs the dead letters (parked or deferred) whose payload names ``member_id``
    (:func:`scrubbed_text`, :func:`scrubbed_error`); how many changed."""
    table = inbox.dead_letters
    rows = await session.execute(
        select(table.c.id, table.c.payload, table.c.error)
        .where(table.c.payload.like(_naming(member_id)))
        .with_for_update()
    )
    changed = 0
    for row_id, payload, error in rows.all():
        clean, reason = scrubbed_text(payload), scrubbed_error(error)
        if (clean, reason) != (payload, error):
            await session.execute(
                update(table).where(table.c.id == row_id).values(payload=clean, error=reason)
            )
            changed += 1
    return changed


async def forget_answers(session: AsyncSession, keys: IdempotencyKeys, member_id: uuid.UUID) -> int:
    """Deletes the stored idempotent answers (and keys) that name ``member_id`` in their
    scope or answer: an answer may repeat what the request said (a ticket's description).
    A retry with such a key after the erasure is new work. How many were deleted."""
    table, naming = keys.table, _naming(member_id)
    result = await session.execute(
        delete(table)
        .where(or_(cast(table.c.response, String).like(naming), table.c.scope.like(naming)))
        .returning(table.c.key)
    )
    return len(result.all())


async def scrub_retained(
    session: AsyncSession,
    member_id: uuid.UUID,
    *,
    outbox: Outbox,
    inbox: Inbox,
    keys: IdempotencyKeys,
) -> None:
    """What every service does with what it retains about an erased member: its outbox
    rows and dead letters scrubbed (:func:`scrub_outbox`, :func:`scrub_dead_letters`),
    its stored idempotent answers naming them deleted (:func:`forget_answers`)."""
    await scrub_outbox(session, outbox, member_id)
    await scrub_dead_letters(session, inbox, member_id)
    await forget_answers(session, keys, member_id)
