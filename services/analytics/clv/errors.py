"""Named problems of the CLV fits."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


class FitWindowInvalid(Unprocessable):
    """A fit's calibration period or holdout is not a closed past period: the calibration
    ends today or later, or the holdout ends on or before the calibration end, or later
    than yesterday (the brand's days)."""

    title = "Invalid CLV fit window"
    slug = "clv-fit-window-invalid"


class FitNotFound(NotFound):
    """No CLV fit with that id."""

    title = "CLV fit not found"
    slug = "clv-fit-not-found"


class FitNotReady(Conflict):
    """The fit is still queued or running: it has no parameters to value members with yet."""

    title = "CLV fit not ready"
    slug = "clv-fit-not-ready"


class FitHasFailed(Conflict):
    """The fit failed (its ``failure`` says why: too little data, diverging estimates or
    spend with no finite mean) and has no parameters to value members with: start another
    fit with more members or a longer calibration period."""

    title = "CLV fit failed"
    slug = "clv-fit-failed"


class MemberNotInFit(NotFound):
    """The member had no purchase by the fit's calibration end, so the fit has no summary
    of them."""

    title = "Member not in the CLV fit"
    slug = "clv-member-not-in-fit"


class ValueUndefined(Unprocessable):
    """The fit's estimates give no finite expectation for this member over this horizon
    (parameters near their bounds make the hypergeometric series overflow)."""

    title = "CLV not defined"
    slug = "clv-value-undefined"
