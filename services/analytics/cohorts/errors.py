"""Named errors of the cohort KPIs."""

from __future__ import annotations

from shared.errors import Unprocessable


class CampaignPeriodInvalid(Unprocessable):
    """A campaign's last day is before its first, or the campaign is longer than a year."""

    title = "Invalid campaign period"
    slug = "campaign-period-invalid"
