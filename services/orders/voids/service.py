"""Use case of voids: undo a sale on its business day. It flushes, never commits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.orders.base import emit
from services.orders.purchases import service as purchases
from services.orders.tenders import domain as tenders
from services.orders.tenders.schemas import refund_events, refunds_out
from services.orders.voids import domain
from services.orders.voids.schemas import VoidCreate, VoidOut
from shared.db import AsyncSession
from shared.events import orders as events


async def void_purchase(
    session: AsyncSession,
    store_id: uuid.UUID,
    purchase_id: uuid.UUID,
    data: VoidCreate,
    *,
    timezone: str,
    window_minutes: int | None,
    now: datetime | None = None,
) -> VoidOut:
    """Voids one of the store's sales and publishes ``orders.purchase.voided``, which
    refunds every tender in full; downstream the sale is undone as by a full return and
    counted as no sale. ``timezone`` and ``window_minutes`` set the window
    (:func:`domain.void_deadline`).

    Raises ``PurchaseNotFound`` (404), ``PurchaseVoided``, ``PurchaseHasReturns`` and
    ``VoidWindowClosed`` (409).
    """
    voided_at = now or datetime.now(UTC)
    sold = await purchases.sold_for_return(session, store_id, purchase_id)
    domain.check_voidable(sold, voided_at, timezone, window_minutes)
    refunds = tenders.refunds_of(sold.tenders, [t.refundable_fen for t in sold.tenders])
    await purchases.mark_voided(session, sold, voided_at, data.reason)
    await emit(
        session,
        events.PurchaseVoided(
            purchase_id=purchase_id,
            member_id=sold.member_id,
            store_id=store_id,
            total_fen=sold.total_fen,
            purchased_at=sold.purchased_at,
            voided_at=voided_at,
            refunds=refund_events(refunds),
        ),
    )
    return VoidOut(
        purchase_id=purchase_id,
        total_fen=sold.total_fen,
        voided_at=voided_at,
        reason=data.reason,
        refunds=refunds_out(refunds),
        paid_out_fen=tenders.paid_out_fen(refunds),
    )
