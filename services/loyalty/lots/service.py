"""Pending and expiring points: the brand's points policy, the terms of each credit, and
what an account's lots show. Use cases flush, never commit.

The expiry job and its announcements are in :mod:`services.loyalty.lots.jobs`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.loyalty.lots import domain, repository
from services.loyalty.lots.domain import CreditTerms, Policy
from services.loyalty.lots.schemas import PointsPolicyIn, PointsPolicyOut
from services.loyalty.program.service import forget_program, kept_while_held
from shared.db import AsyncSession
from shared.inputs import input_defaults
from shared.kept import Kept

_POLICY = "loyalty.points_policy"
_KEPT: Kept[Policy] = Kept()


async def current_policy(session: AsyncSession) -> Policy:
    """The brand's points policy (the defaults until marketing sets one), read once per
    transaction: a consumer's batch of purchases reads it with its first earn, and a
    change committed meanwhile applies from the next batch on; while the transaction holds
    the program, kept across batches while the program's tokens stand
    (``kept_while_held``)."""
    transaction = session.sync_session.get_transaction()
    held = session.info.get(_POLICY)
    if held is not None and transaction is not None and held[0] is transaction:
        policy: Policy = held[1]
        return policy
    policy = await kept_while_held(session, _KEPT, lambda: _read_policy(session))
    session.info[_POLICY] = (transaction, policy)
    return policy


async def _read_policy(session: AsyncSession) -> Policy:
    row = await repository.policy(session)
    if row is None:
        return domain.DEFAULT_POLICY
    return Policy(
        return_window_days=row.return_window_days,
        expiry=row.expiry,  # type: ignore[arg-type]  # the CHECK keeps it one of Expiry
        expiry_months=row.expiry_months,
        expiring_notice_days=row.expiring_notice_days,
        shortfall_payback=row.shortfall_payback,
    )


async def get_policy(session: AsyncSession) -> PointsPolicyOut:
    row = await repository.policy(session)
    policy = await _read_policy(session)
    return PointsPolicyOut(
        return_window_days=policy.return_window_days,
        expiry=policy.expiry,
        expiry_months=policy.expiry_months,
        expiring_notice_days=policy.expiring_notice_days,
        shortfall_payback=policy.shortfall_payback,
        updated_at=None if row is None else row.updated_at,
        updated_by=None if row is None else row.updated_by,
    )


async def set_policy(session: AsyncSession, data: PointsPolicyIn, *, by: str) -> PointsPolicyOut:
    """Sets the policy for credits made from now on: lots already made keep their dates."""
    policy = Policy(**data.model_dump())
    await repository.set_policy(session, policy, by, datetime.now(UTC))
    session.info.pop(_POLICY, None)
    forget_program(session)
    return await get_policy(session)


async def credit_terms(session: AsyncSession, *, purchase: bool) -> CreditTerms:
    """When a credit made now becomes available and expires, by the brand's policy: a
    purchase's points wait out the return window, other credits are available at once."""
    policy = await current_policy(session)
    zone = input_defaults().business_timezone
    return domain.credit_terms(policy, datetime.now(UTC), zone, purchase=purchase)
