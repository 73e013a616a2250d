"""HTTP route of orders' part of a member's export: authorize, read, answer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from services.orders.privacy.schemas import OrdersExport
from services.orders.purchases import service as purchases
from shared.auth import MEMBER_ACCESS, current_principal, ensure_member_access
from shared.dependencies import RequestSession as Session
from shared.tokens import Principal

router = APIRouter(tags=["privacy"])


@router.get(
    "/members/{member_id}/export",
    response_model=OrdersExport,
    summary="Orders' part of a member's export (PIPL art. 45)",
    description=(
        "An admin or the member themself (customer's `GET /members/{id}/export` asks it "
        "with the caller's token): every purchase of the member with its lines and the "
        "quantities returned. A member orders never heard of has none."
    ),
    responses=MEMBER_ACCESS,
)
async def export_member(
    member_id: uuid.UUID,
    session: Session,
    principal: Annotated[Principal, Depends(current_principal)],
) -> OrdersExport:
    ensure_member_access(principal, member_id)
    return OrdersExport(purchases=await purchases.purchases_of_member(session, member_id))
