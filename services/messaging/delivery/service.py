"""Use cases of the SMS providers' callbacks: a delivery receipt applied to its SMS, or
kept until the dispatcher records the send it is about. They flush, never commit: the
caller owns the transaction.

A receipt can come before its send is recorded: the provider answers the send, the phone
gets it, and the provider posts the receipt while the dispatcher's transaction recording
the answer has not committed. Both sides take one lock per message first
(:func:`repository.lock_messages`), so one waits for the other's commit: either the
receipt finds the send recorded, or the recording finds the receipt kept and applies it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import cast

from services.messaging.config import Settings
from services.messaging.delivery import repository
from services.messaging.delivery.schemas import Receipt, ReceiptApplied
from services.messaging.notifications import domain
from services.messaging.notifications import outcomes as notifications
from services.messaging.notifications.domain import Delivered, Outcome, Outgoing, ReceiptStatus
from shared.db import AsyncSession

log = logging.getLogger(__name__)


async def record_receipt(session: AsyncSession, provider: str, receipt: Receipt) -> ReceiptApplied:
    """Applies ``provider``'s verified delivery receipt to the SMS it is about (see
    :func:`~services.messaging.notifications.outcomes.apply_receipt`); a repeat changes
    nothing. A receipt for a message id no recorded SMS has is kept (``kept``) and applied
    when the dispatcher records that send."""
    await repository.lock_messages(session, [(provider, receipt.message_id)])
    found = await notifications.apply_receipt(
        session, provider, receipt.message_id, receipt.status, receipt.at
    )
    if found is None:
        await repository.keep(session, provider, receipt.message_id, receipt.status, receipt.at)
        log.info("receipt from %s for %s kept for its send", provider, receipt.message_id)
        return ReceiptApplied(notification_id=None, status=None, kept=True)
    return ReceiptApplied(notification_id=found[0], status=found[1], kept=False)


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
    applied = 0
    for provider, message_id, status, at in await repository.take(session, sent):
        said = cast(ReceiptStatus, status)  # the table's CHECK keeps it one
        found = await notifications.apply_receipt(session, provider, message_id, said, at)
        if found is None:
            await repository.keep(session, provider, message_id, status, at)
        else:
            applied += 1
    return applied
