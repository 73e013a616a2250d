"""Coupon kinds behind one registry map: a new kind is a class with ``price`` and a line here."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from services.loyalty.coupons.kinds.amounts import CashVoucher, PercentOff, ThresholdOff
from services.loyalty.coupons.kinds.base import Discount, Kind, Refusal
from services.loyalty.coupons.kinds.gift import FreeGift


class KindName(StrEnum):
    THRESHOLD_OFF = "threshold_off"
    PERCENT_OFF = "percent_off"
    CASH_VOUCHER = "cash_voucher"
    FREE_GIFT = "free_gift"


KINDS: Mapping[KindName, Kind] = {
    KindName.THRESHOLD_OFF: ThresholdOff(),
    KindName.PERCENT_OFF: PercentOff(),
    KindName.FREE_GIFT: FreeGift(),
    KindName.CASH_VOUCHER: CashVoucher(),
}
"""Every kind by name, in the order stacked coupons apply: amounts off first, vouchers last
(a voucher then never pays for what another coupon already took off)."""

__all__ = ["KINDS", "Discount", "Kind", "KindName", "Refusal"]
