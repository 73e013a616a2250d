"""Named problems of the journeys API."""

from __future__ import annotations

from shared.errors import Conflict, NotFound


class JourneyRunNotFound(NotFound):
    """No journey run has the id in the path."""

    title = "Journey run not found"
    slug = "journey-run-not-found"


class JourneyRunDone(Conflict):
    """The journey run has run already (notified, expired or skipped): it cannot be made
    due again; each member gets one message per occurrence."""

    title = "Journey run already done"
    slug = "journey-run-done"
