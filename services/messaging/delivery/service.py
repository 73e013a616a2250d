"""Use cases of the providers' callbacks: SMS delivery receipts (one, or a batch in one
transaction) applied to their SMS, or kept until the dispatcher records the send they are
about; an email bounce applied to its
email, its address and its member. They flush, never commit: the
caller owns the transaction.

A receipt can come before its send is recorded: the provider answers the send, the phone
gets it, and the provider posts the receipt while the dispatcher's transaction recording
the answer has not committed. Both sides take one lock per message first
(:func:`repository.lock_messages`), so one waits for the other's commit: either the
receipt finds the send recorded, or the recording finds the receipt kept and applies it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import cast

from services.messaging.config import Settings
from services.messaging.contacts import service as contacts
from services.messaging.contacts.domain import BOUNCED
from services.messaging.delivery import repository
from services.messaging.delivery.kinds import email
from services.messaging.delivery.schemas import Bounce, BounceApplied, Receipt, ReceiptApplied
from services.messaging.notifications import domain
from services.messaging.notifications import outcomes as notifications
from services.messaging.notifications import service as notifying
from services.messaging.notifications.domain import (
    Delivered,
    Outcome,
    Outgoing,
    ReceiptStatus,
    Status,
)
from services.messaging.notifications.outcomes import ReceiptSaid
from services.messaging.optouts import service as optouts
from shared.crypto import PiiCipher
from shared.db import AsyncSession

log = logging.getLogger(__name__)


async def record_receipts(
    session: AsyncSession, provider: str, receipts: Sequence[Receipt]
) -> list[ReceiptApplied]:
    """Applies ``provider``'s verified delivery receipts, in the order given, to the SMS
    they are about (see :func:`~services.messaging.notifications.outcomes.apply_receipts`);
    a repeat changes nothing. A receipt for a message id no recorded SMS has is kept
    (``kept``) and applied when the dispatcher records that send. One answer per receipt,
    in order; at most five statements, whatever the number of receipts: the messages'
    locks, the SMS read and the changed ones written, the kept receipts written and the
    stale ones deleted."""
    await repository.lock_messages(session, {(provider, r.message_id) for r in receipts})
    found = await _apply(session, provider, [(r.message_id, r.status, r.at) for r in receipts])
    return [
        ReceiptApplied(notification_id=None, status=None, kept=True)
        if applied is None
        else ReceiptApplied(notification_id=applied[0], status=applied[1], kept=False)
        for applied in found
    ]


async def _apply(
    session: AsyncSession, provider: str, receipts: Sequence[ReceiptSaid]
) -> list[tuple[uuid.UUID, Status] | None]:
    """Applies the receipts to their SMS and keeps those no recorded SMS has (``None``)."""
    found = await notifications.apply_receipts(session, provider, receipts)
    kept = [receipt for receipt, applied in zip(receipts, found, strict=True) if applied is None]
    await repository.keep(session, provider, kept)
    if kept:
        log.info("%d receipt(s) from %s kept for their sends", len(kept), provider)
    return found


async def record_receipt(session: AsyncSession, provider: str, receipt: Receipt) -> ReceiptApplied:
    """One receipt, as :func:`record_receipts` applies a batch of one."""
    [applied] = await record_receipts(session, provider, [receipt])
    return applied


def _sent(outcomes: Sequence[tuple[Outgoing, Outcome]]) -> list[tuple[str, str]]:
    """``(provider, message id)`` of each SMS a provider took."""
    return [
        (
            outcome.provider,
            domain.provider_text(
                outcome.provider_message_id, domain.MAX_PROVIDER_MESSAGE_ID_LENGTH
            ),
        )
        for _, outcome in outcomes
        if isinstance(outcome, Delivered) and outcome.provider is not None
    ]


async def record_sends(
    session: AsyncSession,
    settings: Settings,
    outcomes: Sequence[tuple[Outgoing, Outcome]],
    leased_until: datetime,
) -> int:
    """Records what the providers said of notifications leased until ``leased_until`` (see
    :func:`~services.messaging.notifications.outcomes.record_outcomes`), with the receipts
    kept for the SMS they sent applied in the same transaction (one whose send another
    dispatcher took over is kept again); how many receipts were applied. The SMS's locks
    are taken first, so no receipt of theirs is looked up, and missed, while the
    recording is uncommitted."""
    sent = _sent(outcomes)
    await repository.lock_messages(session, sent)
    await notifications.record_outcomes(session, settings, outcomes, leased_until)
    taken: dict[str, list[ReceiptSaid]] = {}
    for provider, message_id, status, at in await repository.take(session, sent):
        said = cast(ReceiptStatus, status)  # the table's CHECK keeps it one
        taken.setdefault(provider, []).append((message_id, said, at))
    applied = 0
    for provider, receipts in taken.items():
        applied += sum(found is not None for found in await _apply(session, provider, receipts))
    return applied


async def record_bounce(session: AsyncSession, cipher: PiiCipher, bounce: Bounce) -> BounceApplied:
    """Applies the email provider's verified bounce report to the email it names by its
    Message-ID (see :func:`services.messaging.delivery.kinds.email.message_id`), once per
    email and kind (a repeat changes nothing more):

    - ``hard``: the email becomes ``undelivered`` (reason ``bounced``) and its address goes
      on the suppression list: later emails to it are suppressed ``bounced``, queued ones
      cancelled, until the member's email changes;
    - ``soft``: recorded only;
    - ``complaint``: marketing email to the member stops, as a followed unsubscribe link
      does (``messaging.member.opted_out`` with source ``email_complaint`` for customer).

    A Message-ID no sent email has answers ``kept: false``."""
    notification_id = email.notification_of(bounce.message_id)
    reason = BOUNCED if bounce.kind == "hard" else None
    found = None
    if notification_id is not None:
        found = await notifications.apply_bounce(
            session, notification_id, bounce.message_id, reason, bounce.at
        )
    if found is None:
        return BounceApplied(notification_id=None, status=None, kept=False)
    new = await repository.add_bounce(
        session, found.id, bounce.kind, bounce.at, bounce.diagnostic_code
    )
    if new and bounce.kind == "hard" and found.recipient_encrypted is not None:
        address = cipher.decrypt(found.recipient_encrypted)
        await contacts.suppress_email(session, cipher, found.member_id, address, bounce.at)
        if await contacts.known_members(session, [found.member_id]):  # none: nothing queued
            await notifying.follow_contact(session, cipher, found.member_id)
        log.info("email %s bounced: its address is suppressed", found.id)
    elif new and bounce.kind == "complaint":
        await optouts.complain(session, found.member_id, bounce.at)
    return BounceApplied(
        notification_id=found.id, status=domain.status(found.status), kept=True, repeat=not new
    )
