"""Use cases of erasure in loyalty. They flush, never commit: the caller owns the
transaction."""

from __future__ import annotations

from services.loyalty.base import idempotency, inbox, outbox, segment_copies
from services.loyalty.coupons.birthdays import service as birthdays
from shared.db import AsyncSession
from shared.events.customer import MemberErased
from shared.privacy import scrub_retained


async def erase(session: AsyncSession, erased: MemberErased) -> None:
    """Applies ``customer.member.erased``: the birthday kept for birthday coupons (month
    and day) is deleted, the member leaves loyalty's copies of saved segments, and what
    loyalty retains about them is scrubbed (:func:`shared.privacy.scrub_retained`:
    outbox rows, dead letters, idempotent answers). The account, ledger, lots, balances,
    coupons, tier standing, wallet, referrals and draws stay: they are the brand's
    accounts, keyed by the member's id, and hold no personal data. Idempotent."""
    await birthdays.forget(session, erased.member_id)
    await segment_copies.forget_member(session, erased.member_id)
    await scrub_retained(session, erased.member_id, outbox=outbox, inbox=inbox, keys=idempotency)
