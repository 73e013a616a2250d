"""The daily job of tier coupons (see :mod:`services.loyalty.tier_coupons.service`)."""

from __future__ import annotations

from services.loyalty.tier_coupons.service import grant_tier_coupons
from shared.jobs import DailyJob

DAILY = (DailyJob("coupons.tiers", grant_tier_coupons),)
