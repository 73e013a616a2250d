"""Queries of the early receipts and the email bounces, and the lock a receipt and the
recording of its send share."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, func, text, tuple_
from sqlalchemy.dialects.postgresql import insert

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


async def keep(
    session: AsyncSession, provider: str, message_id: str, status: str, at: datetime
) -> None:
    """Keeps a receipt (the latest of a message's, by ``at``), and deletes those no send
    claimed within :data:`EARLY_RECEIPT_DAYS`."""
    row = insert(_early).values(
        provider=provider, message_id=message_id, status=status, at=at, received_at=func.now()
    )
    await session.execute(
        row.on_conflict_do_update(
            constraint="pk_early_receipts",
            set_={"status": row.excluded.status, "at": row.excluded.at},
            where=_early.c.at <= row.excluded.at,
        )
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
