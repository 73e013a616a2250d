"""A till's coupons (优惠券): hold one for a sale in progress, or void the hold. Loyalty
keeps the coupons; orders checks the store's key, names the member and the lines as a
sale would (the catalog's categories), and asks loyalty synchronously."""

from __future__ import annotations

import uuid

from services.orders.catalog import service as catalog
from services.orders.coupons.schemas import CouponHoldIn, CouponHoldOut
from services.orders.directory import service as directory
from services.orders.tenders.loyalty import Loyalty
from services.orders.tenders.service import derived_key
from shared.crypto import PiiCipher
from shared.db import AsyncSession


async def hold_coupon(
    session: AsyncSession,
    cipher: PiiCipher,
    loyalty: Loyalty,
    store_id: uuid.UUID,
    data: CouponHoldIn,
    key: str,
) -> CouponHoldOut:
    """Asks loyalty to hold the member's coupon for the store's sale in progress, priced on
    its lines (numbered from 1, each at units × unit price). ``key`` is the till's
    Idempotency-Key, made the store's for loyalty.

    Raises ``UnknownMember``, ``UnknownSku``, ``VoidSku`` and ``CouponRefused`` (422) and
    ``LoyaltyUnavailable`` (503).
    """
    member_id = (await directory.find_members(session, cipher, [data])).member_of(data)
    data = (await catalog.find_products(session, [data])).categorised(data)
    body = {
        "member_id": str(member_id),
        "store_id": str(store_id),
        "sale_ref": data.sale_ref,
        "code": data.code,
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
    held = await loyalty.hold_coupon(body, derived_key("coupon", store_id, key))
    return CouponHoldOut.model_validate(held)


async def release_coupon(
    loyalty: Loyalty, store_id: uuid.UUID, reservation_id: uuid.UUID, key: str
) -> CouponHoldOut:
    """The till voids a coupon hold before any sale used it: the coupon is active again.

    Raises ``CouponRefused`` (422: a sale used it, or it is not the store's) and
    ``LoyaltyUnavailable`` (503)."""
    body = {"store_id": str(store_id), "purchase_id": None}
    path_key = derived_key("coupon-release", store_id, key)
    return CouponHoldOut.model_validate(
        await loyalty.release_coupon(reservation_id, body, path_key)
    )
