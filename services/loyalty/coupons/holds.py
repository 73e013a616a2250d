"""Coupons as a till's holds see them (:mod:`services.loyalty.till_coupons`): found by code,
moved between ``active``, ``reserved`` and ``redeemed`` by one conditional update each.
Statuses are :data:`services.loyalty.coupons.models.COUPON_STATUSES`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from services.loyalty.coupons import domain, repository
from services.loyalty.coupons.models import Coupon, CouponDefinition
from services.loyalty.coupons.service import priced_coupon
from shared import codes
from shared.db import AsyncSession


@dataclass(frozen=True)
class HeldCoupon:
    """A coupon as the till's redemptions see it (:mod:`services.loyalty.till_coupons`)."""

    coupon_id: uuid.UUID
    code: str
    """Masked, as staff see it."""
    account_id: uuid.UUID
    member_id: uuid.UUID
    definition_id: uuid.UUID
    definition_name: str
    status: str
    valid_until: datetime
    restore_on_return: str
    priced: domain.Coupon


def _held(coupon: Coupon, definition: CouponDefinition) -> HeldCoupon:
    return HeldCoupon(
        coupon_id=coupon.id,
        code=codes.masked(coupon.code),
        account_id=coupon.account_id,
        member_id=coupon.member_id,
        definition_id=definition.id,
        definition_name=definition.name,
        status=coupon.status,
        valid_until=coupon.valid_until,
        restore_on_return=definition.restore_on_return,
        priced=priced_coupon(coupon, definition),
    )


async def coupon_by_code(
    session: AsyncSession, account_id: uuid.UUID, typed: str
) -> HeldCoupon | None:
    """The account's coupon of the code as typed (see :func:`codes.normalise`), or None."""
    code = codes.normalise(typed)
    if not codes.is_well_formed(code):
        return None
    found = await repository.by_code(session, account_id, code)
    return None if found is None else _held(*found)


async def coupon_by_id(
    session: AsyncSession, account_id: uuid.UUID, coupon_id: uuid.UUID
) -> HeldCoupon | None:
    """The account's coupon of this id, or None (another account's is not found either)."""
    found = await repository.find_with_definition(session, coupon_id)
    if found is None or found[0].account_id != account_id:
        return None
    return _held(*found)


async def held_coupon(session: AsyncSession, coupon_id: uuid.UUID) -> HeldCoupon:
    """The coupon as it is now (it exists: a redemption names it)."""
    return _held(*await repository.with_definition(session, coupon_id))


async def reserve_for_sale(session: AsyncSession, coupon_id: uuid.UUID, now: datetime) -> bool:
    """``active`` → ``reserved`` if the coupon is active and valid at ``now``; False
    otherwise (another sale holds or used it, or it is not valid now)."""
    return await repository.move(session, coupon_id, "active", "reserved", usable_at=now)


async def redeem(session: AsyncSession, coupon_id: uuid.UUID, *, was: str = "reserved") -> bool:
    """``was`` (``reserved``, or ``active`` for a sale whose event came after its hold was
    swept) → ``redeemed``; False if the coupon was not in ``was``."""
    return await repository.move(session, coupon_id, was, "redeemed")


async def give_back(session: AsyncSession, coupon_id: uuid.UUID, was: str) -> bool:
    """A reserved or redeemed coupon (``was``) back to ``active`` with its validity as it
    was: one past its ``valid_until`` reads ``expired`` and is refused at a till, and the
    expiry job marks and announces it as it does any other. False if it was not in ``was``."""
    return await repository.move(session, coupon_id, was, "active")
