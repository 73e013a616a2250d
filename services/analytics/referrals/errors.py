"""Named errors of the referral report."""

from __future__ import annotations

from shared.errors import Unprocessable


class ReportRangeInvalid(Unprocessable):
    """A report's range ends before it begins, or spans more months than a report holds."""

    title = "Invalid report range"
    slug = "report-range-invalid"
