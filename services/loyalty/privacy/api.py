"""HTTP route of loyalty's part of a member's export: authorize, read, answer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from services.loyalty.accounts.errors import AccountNotFound
from services.loyalty.privacy import exports
from services.loyalty.privacy.schemas import LoyaltyExport
from shared.auth import MEMBER_ACCESS, current_principal, ensure_member_access
from shared.dependencies import RequestSession as Session
from shared.openapi import problem
from shared.tokens import Principal

router = APIRouter(tags=["privacy"])


@router.get(
    "/members/{member_id}/export",
    response_model=LoyaltyExport,
    summary="Loyalty's part of a member's export (PIPL art. 45)",
    description=(
        "An admin or the member themself (customer's `GET /members/{id}/export` asks it "
        "with the caller's token): balance, tier and progress, the whole points ledger, "
        "coupons with their codes, the stored-value wallet, reward orders, referrals and "
        "draws, as of one moment. 404 for "
        "a member loyalty has not heard of yet."
    ),
    responses={**MEMBER_ACCESS, **problem(AccountNotFound("No account for member 7d1c…"))},
)
async def export_member(
    member_id: uuid.UUID,
    session: Session,
    principal: Annotated[Principal, Depends(current_principal)],
) -> LoyaltyExport:
    ensure_member_access(principal, member_id)
    return await exports.export_of(session, member_id)
