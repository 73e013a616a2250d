"""The daily job of band rules: run the rules scheduled for the brand's day (see
:func:`services.loyalty.coupon_bands.service.run_scheduled`; once per rule and year)."""

from __future__ import annotations

from services.loyalty.coupon_bands.service import run_scheduled
from shared.jobs import DailyJob

DAILY = (DailyJob("coupons.bands", run_scheduled),)
