"""Named problems of the notifications API."""

from __future__ import annotations

from shared.errors import Unprocessable


class PeriodReversed(Unprocessable):
    """`GET /notifications/stats` was asked for a period whose `from` day is after its `to`
    day."""

    title = "Period ends before it starts"
    slug = "period-reversed"


class PeriodTooLong(Unprocessable):
    """`GET /notifications/stats/daily` was asked for more days than it counts at once."""

    title = "Period too long"
    slug = "period-too-long"
