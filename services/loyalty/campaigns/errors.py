"""Named errors of campaigns."""

from __future__ import annotations

from shared.errors import NotFound, Unprocessable


class CampaignNotFound(NotFound):
    """No campaign has the id in the path."""

    title = "No such campaign"
    slug = "campaign-not-found"


class InvalidCampaign(Unprocessable):
    """A campaign whose terms do not hold together: ``ends_at`` not later than
    ``starts_at``, neither a multiplier nor a bonus, or a reward's top N without its
    points (or the reverse)."""

    title = "Invalid campaign"
    slug = "invalid-campaign"
