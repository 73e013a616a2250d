"""Use cases of erasure in orders. They flush, never commit: the caller owns the
transaction."""

from __future__ import annotations

from services.orders.base import inbox, outbox
from services.orders.directory import service as directory
from shared.db import AsyncSession
from shared.events.customer import MemberErased
from shared.privacy import scrub_dead_letters, scrub_outbox


async def erase(session: AsyncSession, erased: MemberErased) -> None:
    """Applies ``customer.member.erased``: the directory no longer names the member (by
    phone or card, :func:`directory.record_erasure`), and orders' retained outbox rows and
    dead letters naming them are scrubbed of personal fields. Sales, lines and returns
    hold no personal data (ids, SKUs, amounts in fen) and stay: they are the brand's
    books. Idempotent."""
    await directory.record_erasure(session, erased)
    await scrub_outbox(session, outbox, erased.member_id)
    await scrub_dead_letters(session, inbox, erased.member_id)
