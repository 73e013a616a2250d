"""Named problems of the broadcasts API."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


class BroadcastNotFound(NotFound):
    """No broadcast has the id in the path."""

    title = "Broadcast not found"
    slug = "broadcast-not-found"


class BroadcastStateConflict(Conflict):
    """The broadcast's state does not allow the action (a completed one cannot be paused,
    a list can be uploaded only to a draft); the problem's `state` member says its state."""

    title = "Broadcast state does not allow it"
    slug = "broadcast-state-conflict"


class TemplateNotBroadcastable(Unprocessable):
    """A broadcast sends a marketing template that needs no variable but the member's
    name (`broadcast`, whose text staff edit in `PUT /templates/broadcast/...`)."""

    title = "Template cannot be broadcast"
    slug = "template-not-broadcastable"


class AudienceNotFound(Unprocessable):
    """The audience names a member, card or segment messaging does not know (the field
    names the first such item; a segment is known once analytics published a run of it)."""

    title = "Audience member not found"
    slug = "audience-not-found"


class AudienceRowsRefused(Unprocessable):
    """An uploaded audience list has rows that name nobody: no header column to read,
    an empty or malformed value, or a member id, card number or phone messaging does not
    know. The `rows` member lists them (row numbers count the header as row 1); nothing
    of the list is kept."""

    title = "Audience list rows refused"
    slug = "audience-rows-refused"
