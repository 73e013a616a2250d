"""Named errors of the service desk, each with a stable problem type."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


class TicketNotFound(NotFound):
    """A ticket id names no ticket (or, for a member token, none of theirs)."""

    title = "Ticket not found"
    slug = "ticket-not-found"


class WrongState(Conflict):
    """The action does not apply to the ticket in its current state (e.g. resolving a
    ticket nobody was assigned, closing one not yet followed up)."""

    title = "Ticket is not in a state for this"
    slug = "ticket-wrong-state"


class TicketMemberUnknown(Unprocessable):
    """A ticket names a member id that no member has."""

    title = "Unknown member"
    slug = "ticket-member-unknown"


class SurveyAnswered(Conflict):
    """The ticket's satisfaction survey was answered already: it is answered once."""

    title = "Survey already answered"
    slug = "survey-answered"


class SurveyNotOpen(Conflict):
    """The ticket has no survey to answer: it was not resolved, or has no member."""

    title = "No survey for this ticket"
    slug = "survey-not-open"
