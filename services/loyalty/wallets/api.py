"""HTTP routes of stored value (储值): a member's wallet, deposits and their refunds
(staff service, or orders for a store's till), the deposit-bonus rules (marketing) and
the daily liability report (analyst)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from services.loyalty.wallets import service
from services.loyalty.wallets.errors import DepositAlreadyRefunded, DepositNotFound
from services.loyalty.wallets.schemas import (
    BonusRulesIn,
    BonusRulesOut,
    DepositIn,
    DepositOut,
    DepositRefundIn,
    DepositRefundOut,
    LiabilityOut,
    WalletEntryPage,
    WalletOut,
)
from shared.auth import MEMBER_ACCESS, current_principal, ensure_member_access, require_roles
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem
from shared.pagination import PageSize, SeqCursor
from shared.tokens import Principal

router = APIRouter(tags=["wallet"])
rules_router = APIRouter(prefix="/program", tags=["program"])

Service = Annotated[Principal, Depends(require_roles("service"))]
Post = Annotated[IdempotentPost, Depends(Idempotent(current_principal, example="c0ffee-42"))]
NO_ACCOUNT = problem(404, "No loyalty account for member 0b7e4c1d-…")


@rules_router.get(
    "/wallet-bonus-rules",
    response_model=BonusRulesOut,
    summary="Read the deposit-bonus rules (储值赠送)",
    description="Staff with role marketing, service or analyst.",
)
async def get_rules(
    session: Session,
    _: Annotated[Principal, Depends(require_roles("marketing", "service", "analyst"))],
) -> BonusRulesOut:
    return await service.get_rules(session)


@rules_router.put(
    "/wallet-bonus-rules",
    response_model=BonusRulesOut,
    summary="Set the deposit-bonus rules (储值赠送)",
    description=(
        "Staff with role marketing. Tiers of `min_deposit_fen` → `bonus_fen`: a deposit gets "
        "the bonus of the highest tier it reaches. Each change is a new `version`; deposits "
        "made before keep their bonus."
    ),
)
async def put_rules(
    body: BonusRulesIn,
    session: Session,
    principal: Annotated[Principal, Depends(require_roles("marketing"))],
) -> BonusRulesOut:
    return await service.set_rules(session, body, by=principal.subject)


@router.get(
    "/members/{member_id}/wallet",
    response_model=WalletOut,
    summary="Read a member's stored value (储值)",
    description=(
        "The member, or staff with role service. The wallet of the account the member "
        "owns (never a household's: stored value is not pooled): principal and bonus in "
        "fen, the latest `limit` entries and, when there are more, `entries_cursor` to read "
        "the rest from `GET /members/{member_id}/wallet/entries`."
    ),
    responses={**MEMBER_ACCESS, **NO_ACCOUNT},
)
async def get_wallet(
    member_id: uuid.UUID,
    session: Session,
    principal: Annotated[Principal, Depends(current_principal)],
    limit: Annotated[PageSize, Query(description="How many entries, latest first")] = 20,
) -> WalletOut:
    ensure_member_access(principal, member_id, "service")
    return await service.wallet_of(session, member_id, limit)


@router.get(
    "/members/{member_id}/wallet/entries",
    response_model=WalletEntryPage,
    summary="Read every entry of a member's stored value",
    description=(
        "The member, or staff with role service. The ledger of the wallet of the account "
        "the member owns, the latest entry first in the order it was written, `limit` at a "
        "time: pass a page's `next_cursor` (or the wallet's `entries_cursor`) as `cursor` "
        "for the entries before it, until it is null."
    ),
    responses={**MEMBER_ACCESS, **NO_ACCOUNT},
)
async def wallet_entries(
    member_id: uuid.UUID,
    session: Session,
    principal: Annotated[Principal, Depends(current_principal)],
    limit: Annotated[PageSize, Query(description="How many entries, latest first")] = 50,
    cursor: Annotated[
        SeqCursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> WalletEntryPage:
    ensure_member_access(principal, member_id, "service")
    return await service.entries_of(session, member_id, limit, cursor)


@router.post(
    "/members/{member_id}/wallet/deposits",
    status_code=201,
    response_model=DepositOut,
    summary="Pay money into a member's wallet",
    description=(
        "Staff with role service (a store's till goes through orders). `amount_fen` paid in "
        "at `store_id`, plus the bonus of the rules in force. Idempotent by Idempotency-Key."
    ),
    responses={**NO_ACCOUNT, **openapi_conflict()},
)
async def deposit(
    member_id: uuid.UUID, body: DepositIn, session: Session, _: Service, idempotent: Post
) -> JSONResponse:
    answer = await idempotent.run(
        body,
        lambda: service.deposit(session, member_id, body, datetime.now(UTC)),
        path={"member_id": str(member_id)},
    )
    return answer.response()


@router.post(
    "/members/{member_id}/wallet/deposits/{deposit_id}/refund",
    response_model=DepositRefundOut,
    summary="Pay a deposit's unspent principal back",
    description=(
        "Staff with role service, naming the store that pays out. Pays back what is left of "
        "the deposit's principal and forfeits what is left of its bonus (spent bonus stays "
        "spent). Once per deposit; idempotent by Idempotency-Key."
    ),
    responses={
        **problem(404, "No deposit 3a1f0c5e-… in this member's wallet", DepositNotFound.title),
        **openapi_conflict(DepositAlreadyRefunded("deposit 3a1f0c5e-… was refunded at …")),
    },
)
async def refund_deposit(
    member_id: uuid.UUID,
    deposit_id: uuid.UUID,
    body: DepositRefundIn,
    session: Session,
    _: Service,
    idempotent: Post,
) -> JSONResponse:
    answer = await idempotent.run(
        body,
        lambda: service.refund_deposit(session, member_id, deposit_id, body, datetime.now(UTC)),
        path={"member_id": str(member_id), "deposit_id": str(deposit_id)},
        status=200,
    )
    return answer.response()


@router.get(
    "/wallet/liability",
    response_model=LiabilityOut,
    summary="Stored value outstanding per store at the end of a day",
    description=(
        "Staff with role analyst. Principal and bonus outstanding at the end of business day "
        "`date` (brand timezone), per store that took the deposits: the ledger's sums."
    ),
)
async def liability(
    session: Session,
    _: Annotated[Principal, Depends(require_roles("analyst"))],
    day: Annotated[date, Query(alias="date", description="The business day, YYYY-MM-DD")],
) -> LiabilityOut:
    return await service.liability(session, day)
