"""Pure rules of a member's summary. No I/O."""

from __future__ import annotations

from datetime import datetime

from services.analytics.facts.domain import business_day


def days_since(moment: datetime | None, now: datetime, timezone: str) -> int | None:
    """Whole calendar days in the business timezone between ``moment`` and ``now``; 0 for a
    moment on a later day (a till's clock may run a little fast across midnight)."""
    if moment is None:
        return None
    return max(0, (business_day(now, timezone) - business_day(moment, timezone)).days)
