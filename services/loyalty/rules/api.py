"""HTTP routes of the earning rules: versions put and read, and the simple form."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from services.loyalty.program.schemas import EarningRuleIn, EarningRuleOut
from services.loyalty.rules import service
from services.loyalty.rules.schemas import EarningRulesIn, EarningRulesOut, RuleVersionOut
from shared.auth import require_roles
from shared.dependencies import RequestSession as Session
from shared.tokens import Principal

router = APIRouter(prefix="/program", tags=["program"])

Marketing = Annotated[Principal, Depends(require_roles("marketing"))]
Readers = Annotated[Principal, Depends(require_roles("marketing", "service", "analyst"))]

HOW_A_SALE_IS_RATED = (
    "Each line earns on its net amount (its amount less its share of the sale's vouchers, "
    "shared in proportion, the fen left over to the largest line; points and stored value "
    "used as tender do not lower it) × `points_per_yuan` / 100 × the highest multiplier "
    "that applies (SKU, category or an ancestor, store, member day in the brand's "
    "timezone, tier; ×1 when none), rounded down once for the sale. Excluded lines earn "
    "nothing and do not count to the minimum spend or bonuses; below `minimum_spend_fen` "
    "the sale earns nothing; the highest threshold bonus reached is added; then the caps "
    "per sale and per member per day apply."
)


@router.put(
    "/earning-rules",
    response_model=RuleVersionOut,
    summary="Put a new version of the earning rules",
    description=(
        "Staff with role marketing. The version rates sales made from `effective_from` "
        "(now if left out; never in the past, so no sale is ever rated again) until a later "
        f"version's. {HOW_A_SALE_IS_RATED} A tier code not on the ladder is refused with "
        "422 (`unknown-tier`)."
    ),
)
async def put_earning_rules(body: EarningRulesIn, session: Session, _: Marketing) -> RuleVersionOut:
    return await service.put_rules(session, body)


@router.get(
    "/earning-rules",
    response_model=EarningRulesOut,
    summary="Read the earning rules in force and the latest versions",
    description="Staff with role marketing, service or analyst.",
)
async def get_earning_rules(session: Session, _: Readers) -> EarningRulesOut:
    return await service.get_rules(session)


@router.get(
    "/earning-rule",
    response_model=EarningRuleOut,
    summary="Read the earning rule (simple form)",
    description=(
        "Staff with role marketing, service or analyst. The base rate and tier multipliers "
        "of the earning rules in force (`GET /program/earning-rules` has them whole)."
    ),
)
async def get_earning_rule(session: Session, _: Readers) -> EarningRuleOut:
    return await service.get_earning_rule(session)


@router.put(
    "/earning-rule",
    response_model=EarningRuleOut,
    summary="Set the earning rule (simple form)",
    description=(
        "Staff with role marketing. Points per yuan (0 to 1,000), and a multiplier per tier "
        "in percent (0 to 1,000; 100 = ×1): a new version of the earning rules, in force now, "
        "keeping the other rules in force. With no other rule, a purchase earns "
        "floor(net_fen × points_per_yuan × multiplier / 10000) at the member's tier before "
        "the purchase. Naming a tier that is not on the ladder is refused with 422 "
        "(`unknown-tier`)."
    ),
)
async def put_earning_rule(body: EarningRuleIn, session: Session, _: Marketing) -> EarningRuleOut:
    return await service.set_earning_rule(session, body)
