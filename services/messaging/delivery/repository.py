"""Queries of the early receipts and the email bounces, and the lock a receipt and the
recording of its send share."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import DateTime, Text, bindparam, delete, func, select, text, tuple_
from sqlalchemy.dialects.postgresql import ARRAY, insert

from services.messaging.delivery.models import EARLY_RECEIPT_DAYS, EarlyReceipt, EmailBounce
from shared.db import AsyncSession

_early = EarlyReceipt.__table__  # type: ignore[attr-defined]
_bounces = EmailBounce.__table__  # type: ignore[attr-defined]
_LOCK = text(
    "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) "
    "FROM (SELECT k FROM unnest(CAST(:keys AS text[])) AS k ORDER BY k) AS ordered"
)


async def lock_messages(session: AsyncSession, messages: Collection[tuple[str, str]]) -> None:
    """Takes, until the transaction ends, a lock per ``(provider, message id)``, in one
    order (so two takers of several never deadlock)."""
    if messages:
        keys = sorted(f"{provider}:{message_id}" for provider, message_id in messages)
        await session.execute(_LOCK, {"keys": keys})


_KEPT = (
    func.unnest(
        bindparam("message_ids", type_=ARRAY(Text())),
        bindparam("statuses", type_=ARRAY(Text())),
        bindparam("ats", type_=ARRAY(DateTime(timezone=True))),
    )
    .table_valued("message_id", "status", "at")
    .render_derived("kept")
)
_KEPT_ROWS = insert(_early).from_select(
    ["provider", "message_id", "status", "at", "received_at"],
    select(bindparam("provider", type_=Text()), *_KEPT.c, func.now()),
)
_KEEP = _KEPT_ROWS.on_conflict_do_update(
    constraint="pk_early_receipts",
    set_={"status": _KEPT_ROWS.excluded.status, "at": _KEPT_ROWS.excluded.at},
    where=_early.c.at <= _KEPT_ROWS.excluded.at,
)


async def keep(
    session: AsyncSession, provider: str, receipts: Sequence[tuple[str, str, datetime]]
) -> None:
    """Keeps ``provider``'s receipts ``(message id, status, at)`` as one in the order given
    would each: the latest of a message's by ``at`` (of equal times, the later given), over
    one kept before unless that is later; and deletes those no send claimed within
    :data:`EARLY_RECEIPT_DAYS`. Two statements, whatever the number of receipts."""
    if not receipts:
        return
    latest: dict[str, tuple[str, datetime]] = {}
    for message_id, status, at in receipts:
        if message_id not in latest or latest[message_id][1] <= at:
            latest[message_id] = (status, at)
    await session.execute(
        _KEEP,
        {
            "provider": provider,
            "message_ids": list(latest),
            "statuses": [status for status, _ in latest.values()],
            "ats": [at for _, at in latest.values()],
        },
    )
    await session.execute(
        delete(_early).where(
            _early.c.received_at < func.now() - func.make_interval(0, 0, 0, EARLY_RECEIPT_DAYS)
        )
    )


async def take(
    session: AsyncSession, messages: Collection[tuple[str, str]]
) -> list[tuple[str, str, str, datetime]]:
    """Deletes and returns the kept receipts of these ``(provider, message id)``:
    ``(provider, message_id, status, at)`` each."""
    if not messages:
        return []
    pairs = [(provider, message_id) for provider, message_id in messages]
    result = await session.execute(
        delete(_early)
        .where(tuple_(_early.c.provider, _early.c.message_id).in_(pairs))
        .returning(_early.c.provider, _early.c.message_id, _early.c.status, _early.c.at)
    )
    return [(row[0], row[1], row[2], row[3]) for row in result]


async def add_bounce(
    session: AsyncSession,
    notification_id: uuid.UUID,
    kind: str,
    at: datetime,
    diagnostic_code: str | None,
) -> bool:
    """Records a bounce of the email; whether it is new (not a repeat of its kind)."""
    inserted = await session.execute(
        insert(_bounces)
        .values(
            notification_id=notification_id,
            kind=kind,
            at=at,
            diagnostic_code=diagnostic_code,
            received_at=func.now(),
        )
        .on_conflict_do_nothing(constraint="pk_email_bounces")
        .returning(_bounces.c.kind)
    )
    return inserted.first() is not None
