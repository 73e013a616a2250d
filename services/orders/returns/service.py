"""Use case of returns: give back some or all of a sale. It flushes, never commits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.orders.base import emit
from services.orders.purchases import service as purchases
from services.orders.purchases.domain import PricedLine
from services.orders.returns import domain, repository
from services.orders.returns.schemas import ReturnCreate, ReturnLineOut, ReturnOut
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
    """Records the return and publishes ``orders.purchase.returned`` with the refund.

    Raises ``PurchaseNotFound`` (404), ``InvalidReturn``, ``ReturnExceedsSold`` and
    ``PurchaseFullyReturned`` (422).
    """
    sold = await purchases.sold_for_return(session, store_id, purchase_id)
    requested = None if data.all else [(line.line_no, line.quantity) for line in data.lines or []]
    plan = domain.plan_return(sold.lines, requested)
    returned = [
        events.ReturnedLine(
            line_no=no,
            sku=sold.lines[no].sku,
            category=sold.lines[no].category,
            quantity=quantity,
            amount_fen=PricedLine(quantity, sold.lines[no].unit_price_fen).amount_fen,
        )
        for no, quantity in plan
    ]
    return_id = uuid.uuid4()
    amount = sum(line.amount_fen for line in returned)
    returned_at = now or datetime.now(UTC)
    await repository.insert_return(
        session,
        {
            "id": return_id,
            "purchase_id": purchase_id,
            "amount_fen": amount,
            "returned_at": returned_at,
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
    await purchases.add_returned(session, purchase_id, plan)
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
        ),
    )
    return ReturnOut(
        id=return_id,
        purchase_id=purchase_id,
        amount_fen=amount,
        purchase_total_fen=sold.total_fen,
        returned_at=returned_at,
        lines=[ReturnLineOut(**line.model_dump()) for line in returned],
    )
