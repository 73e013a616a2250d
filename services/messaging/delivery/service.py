"""Use cases of the SMS providers' callbacks. They flush, never commit: the caller owns the
transaction."""

from __future__ import annotations

from services.messaging.delivery.schemas import Receipt, ReceiptApplied
from services.messaging.notifications import outcomes as notifications
from shared.db import AsyncSession


async def record_receipt(session: AsyncSession, provider: str, receipt: Receipt) -> ReceiptApplied:
    """Applies ``provider``'s verified delivery receipt to the SMS it is about (see
    :func:`~services.messaging.notifications.outcomes.apply_receipt`); a repeat changes
    nothing."""
    found = await notifications.apply_receipt(
        session, provider, receipt.message_id, receipt.status, receipt.at
    )
    if found is None:
        return ReceiptApplied(notification_id=None, status=None)
    return ReceiptApplied(notification_id=found[0], status=found[1])
