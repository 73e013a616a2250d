"""Use cases of erasure in orders. They flush, never commit: the caller owns the
transaction."""

from __future__ import annotations

from services.orders.base import idempotency, inbox, outbox
from services.orders.directory import service as directory
from shared.db import AsyncSession
from shared.events.customer import MemberErased
from shared.privacy import scrub_retained


async def erase(session: AsyncSession, erased: MemberErased) -> None:
    """Applies ``customer.member.erased``: the directory no longer names the member (by
    phone or card, :func:`directory.record_erasure`), and what orders retains about them
    is scrubbed (:func:`shared.privacy.scrub_retained`: outbox rows, dead letters,
    idempotent answers). Sales, lines and returns
    hold no personal data (ids, SKUs, amounts in fen) and stay: they are the brand's
    books. Idempotent."""
    await directory.record_erasure(session, erased)
    await scrub_retained(session, erased.member_id, outbox=outbox, inbox=inbox, keys=idempotency)
