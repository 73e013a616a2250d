"""Named problems of the reports."""

from __future__ import annotations

from shared.errors import Unprocessable


class ReportWindowInvalid(Unprocessable):
    """A report's window ends before it starts, holds more than 400 days, weeks or months,
    starts after this month (cohort retention), or is a campaign longer than 366 days."""

    title = "Invalid report window"
    slug = "report-window-invalid"
