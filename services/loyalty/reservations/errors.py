"""Named errors of points at the till."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


class ReservationNotFound(NotFound):
    """No reservation by this id for the store that asks."""

    title = "Reservation not found"
    slug = "reservation-not-found"


class ReservationNotHeld(Conflict):
    """The reservation cannot do what was asked in its state: committing one that was
    released, expired or committed to another sale, or to a sale another reservation of the
    tender pays already (an earlier attempt of it, under the same receipt number, committed
    that one: the sweep gives it back after the till policy's grace if that attempt was not
    recorded); releasing one committed to a sale (a recorded sale's points come back
    through its return or void)."""

    title = "Reservation not held"
    slug = "reservation-not-held"


class ReservationMismatch(Unprocessable):
    """A sale names a reservation made for another member or of another kind of tender
    (stored value for points, or points for stored value), or pays with it an amount
    other than the one reserved (also one committed to its purchase id already: another
    sale under the same receipt number)."""

    title = "Reservation does not match the sale"
    slug = "reservation-mismatch"


class PointsShareExceeded(Unprocessable):
    """Points would pay more of the sale than the till policy's maximum share."""

    title = "Points share exceeded"
    slug = "points-share-exceeded"


class TooFewPoints(Unprocessable):
    """The points asked for pay less than one fen at the till policy's rate."""

    title = "Too few points"
    slug = "too-few-points"


class TillPointsDisabled(Unprocessable):
    """The till policy takes no points (its maximum share is 0%)."""

    title = "Points are not taken at the till"
    slug = "till-points-disabled"
