"""Named errors of the referral report, and of every report's range (``/reports/...``)."""

from __future__ import annotations

from shared.errors import Unprocessable


class ReportRangeInvalid(Unprocessable):
    """A report's range ends before it begins, or spans more than a report holds (months of
    the referral report; 400 days, weeks or months of a timeline; a campaign over 366
    days), or a cohort retention starts after this month."""

    title = "Invalid report range"
    slug = "report-range-invalid"
