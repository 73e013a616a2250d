"""A till's coupons (优惠券): hold one or several stacked for a sale in progress, or void
the hold. Loyalty
keeps the coupons; orders checks the store's key, names the member and the lines as a
sale would (the catalog's categories), and asks loyalty synchronously."""

from __future__ import annotations

import uuid
from typing import Any

from services.orders.catalog import service as catalog
from services.orders.coupons.schemas import CouponBasketIn, CouponHoldIn
from services.orders.directory import service as directory
from services.orders.tenders.loyalty import Loyalty
from services.orders.tenders.service import derived_key
from shared.coupons import CouponHoldOut, ValidationOut
from shared.crypto import PiiCipher
from shared.db import AsyncSession


async def _basket(
    session: AsyncSession, cipher: PiiCipher, store_id: uuid.UUID, data: CouponBasketIn
) -> dict[str, Any]:
    """Loyalty's basket: the member found, the lines numbered from 1 with the catalog's
    categories, each at units × unit price. Raises ``UnknownMember``, ``UnknownSku`` and
    ``VoidSku`` (422)."""
    member_id = (await directory.find_members(session, cipher, [data])).member_of(data)
    data = (await catalog.find_products(session, [data])).categorised(data)
    return {
        "member_id": str(member_id),
        "store_id": str(store_id),
        "lines": [
            {
                "line_no": line_no,
                "sku": line.sku,
                "category": line.category,
                "quantity": line.quantity,
                "amount_fen": line.quantity * line.unit_price_fen,
            }
            for line_no, line in enumerate(data.lines, start=1)
        ],
    }


async def validate_coupons(
    session: AsyncSession,
    cipher: PiiCipher,
    loyalty: Loyalty,
    store_id: uuid.UUID,
    data: CouponBasketIn,
) -> ValidationOut:
    """The member's coupons priced on the store's basket (loyalty's ``POST
    /coupons/validate``): which apply with the discount per line, why the others do not.
    Reads only.

    Raises ``UnknownMember``, ``UnknownSku``, ``VoidSku`` and ``CouponRefused`` (422:
    loyalty knows no such member) and ``LoyaltyUnavailable`` (503).
    """
    basket = await _basket(session, cipher, store_id, data)
    for line in basket["lines"]:
        del line["quantity"]  # loyalty prices amounts; units matter only to a hold
    return ValidationOut.model_validate(await loyalty.validate_coupons(basket))


async def hold_coupon(
    session: AsyncSession,
    cipher: PiiCipher,
    loyalty: Loyalty,
    store_id: uuid.UUID,
    data: CouponHoldIn,
    key: str,
) -> CouponHoldOut:
    """Asks loyalty to hold the member's coupons (one, or several stacked: all or none) for
    the store's sale in progress, priced together on its lines (numbered from 1, each at
    units × unit price). ``key`` is the till's Idempotency-Key, made the store's for
    loyalty.

    Raises ``UnknownMember``, ``UnknownSku``, ``VoidSku`` and ``CouponRefused`` (422) and
    ``LoyaltyUnavailable`` (503).
    """
    body = await _basket(session, cipher, store_id, data) | {"sale_ref": data.sale_ref}
    body |= data.named()
    held = await loyalty.hold_coupon(body, derived_key("coupon", store_id, key))
    return CouponHoldOut.model_validate(held)


async def release_coupon(
    loyalty: Loyalty, store_id: uuid.UUID, reservation_id: uuid.UUID, key: str
) -> CouponHoldOut:
    """The till voids a coupon hold (all of its coupons) before any sale used it: the
    coupons are active again.

    Raises ``CouponRefused`` (422: a sale used it, or it is not the store's) and
    ``LoyaltyUnavailable`` (503)."""
    body = {"store_id": str(store_id), "purchase_id": None}
    path_key = derived_key("coupon-release", store_id, key)
    return CouponHoldOut.model_validate(
        await loyalty.release_coupon(reservation_id, body, path_key)
    )
