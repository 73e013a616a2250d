"""Use cases of erasure in messaging. They flush, never commit: the caller owns the
transaction."""

from __future__ import annotations

from services.messaging.base import idempotency, inbox, outbox
from services.messaging.privacy import repository
from shared.db import AsyncSession
from shared.events.customer import MemberErased
from shared.privacy import scrub_retained


async def erase(session: AsyncSession, erased: MemberErased) -> None:
    """Applies ``customer.member.erased`` to what messaging holds about the member:

    - the contact becomes an inactive tombstone (no name, phone, email, card, birthday,
      consent), its tags, bounced addresses and segment copies' rows deleted;
    - unsent notifications are cancelled (``member_erased``), and every notification's
      rendered text, subject, address and provider answer removed;
    - SMS replies from their phone, their journeys' runs and the purchases journeys kept
      of them are deleted, and they are listed erased: a purchase or a void consumed
      after it keeps nothing of them and schedules nothing;
    - webhook deliveries naming them are scrubbed of personal fields, and so is what
      messaging retains (:func:`shared.privacy.scrub_retained`: outbox rows, dead
      letters, idempotent answers).

    What stays is ids, channels, templates, statuses and times (the brand's counts).
    Later events about the member find the tombstone and reach no one. Idempotent.
    """
    member_id = erased.member_id
    phone_hash = await repository.blank_contact(session, member_id)
    await repository.blank_notifications(session, member_id)
    await repository.forget_replies_and_runs(session, member_id, phone_hash, erased.erased_at)
    await repository.scrub_webhook_deliveries(session, member_id)
    await scrub_retained(session, member_id, outbox=outbox, inbox=inbox, keys=idempotency)
