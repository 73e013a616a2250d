"""Use case of returns: give back some or all of a sale. It flushes, never commits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.orders.base import emit
from services.orders.purchases import service as purchases
from services.orders.purchases.domain import SoldLine
from services.orders.purchases.errors import PurchaseVoided
from services.orders.returns import domain, repository
from services.orders.returns.schemas import ReturnCreate, ReturnLineOut, ReturnOut
from services.orders.tenders import domain as tenders
from services.orders.tenders.schemas import refund_events, refunds_out
from shared.db import AsyncSession
from shared.events import orders as events


async def return_purchase(
    session: AsyncSession,
    store_id: uuid.UUID,
    purchase_id: uuid.UUID,
    data: ReturnCreate,
    *,
    now: datetime | None = None,
) -> ReturnOut:
    """Records the return of what its lines paid (their discounts shared over their units,
    :mod:`services.orders.discounts.domain`), refunds the sale's tenders in the documented order
    (:func:`services.orders.tenders.domain.allocate_refund`) and publishes
    ``orders.purchase.returned`` with the refund and what each tender refunds.

    Raises ``PurchaseNotFound`` (404), ``PurchaseVoided`` (409), ``InvalidReturn``,
    ``ReturnExceedsSold`` and ``PurchaseFullyReturned`` (422).
    """
    sold = await purchases.sold_for_return(session, store_id, purchase_id)
    if sold.voided_at is not None:
        raise PurchaseVoided(
            f"Purchase {purchase_id} was voided at {sold.voided_at.isoformat()}: there is "
            "nothing left to return"
        )
    requested = None if data.all else [(line.line_no, line.quantity) for line in data.lines or []]
    plan = domain.plan_return(sold.lines, requested)
    returned = [_returned(sold.lines[no], quantity) for no, quantity in plan]
    return_id = uuid.uuid4()
    amount = sum(line.amount_fen for line in returned)
    amounts = tenders.allocate_refund(sold.tenders, amount)
    refunds = tenders.refunds_of(sold.tenders, amounts)
    returned_at = now or datetime.now(UTC)
    await repository.insert_return(
        session,
        {
            "id": return_id,
            "purchase_id": purchase_id,
            "amount_fen": amount,
            "returned_at": returned_at,
            "refunds": [refund.model_dump() for refund in refunds_out(refunds)],
        },
        [
            {
                "return_id": return_id,
                "line_no": line.line_no,
                "quantity": line.quantity,
                "amount_fen": line.amount_fen,
            }
            for line in returned
        ],
    )
    await purchases.add_returned(session, sold, plan, tenders.after_refund(sold.tenders, amounts))
    await emit(
        session,
        events.PurchaseReturned(
            return_id=return_id,
            purchase_id=purchase_id,
            member_id=sold.member_id,
            store_id=store_id,
            lines=tuple(returned),
            amount_fen=amount,
            purchase_total_fen=sold.total_fen,
            returned_at=returned_at,
            refunds=refund_events(refunds),
        ),
    )
    return ReturnOut(
        id=return_id,
        purchase_id=purchase_id,
        amount_fen=amount,
        purchase_total_fen=sold.total_fen,
        returned_at=returned_at,
        lines=[ReturnLineOut(**line.model_dump()) for line in returned],
        refunds=refunds_out(refunds),
        paid_out_fen=tenders.paid_out_fen(refunds),
    )


def _returned(line: SoldLine, quantity: int) -> events.ReturnedLine:
    """``quantity`` more units of ``line`` back: what they paid is refunded."""
    refund = line.refund_fen(quantity)
    return events.ReturnedLine(
        line_no=line.line_no,
        sku=line.sku,
        category=line.category,
        quantity=quantity,
        amount_fen=refund,
        discount_fen=quantity * line.unit_price_fen - refund,
    )
