"""Named problems of the reports."""

from __future__ import annotations

from shared.errors import Unprocessable


class ReportWindowInvalid(Unprocessable):
    """A report's window ends before it starts, or holds more periods than a chart can
    show (``MAX_PERIODS`` days, weeks or months; ``MAX_COHORTS`` cohorts)."""

    title = "Invalid report window"
    slug = "report-window-invalid"
