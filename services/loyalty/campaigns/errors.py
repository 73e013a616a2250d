"""Named errors of campaigns."""

from __future__ import annotations

from shared.errors import NotFound, Unprocessable


class CampaignNotFound(NotFound):
    """No campaign has the id in the path."""

    title = "No such campaign"
    slug = "campaign-not-found"


class InvalidCampaign(Unprocessable):
    """A campaign whose terms do not hold together: ``ends_at`` not later than
    ``starts_at``, neither a multiplier nor a bonus, a reward's top N without a reward (or
    the reverse), an awarded tier without its period (or the reverse), the base tier
    awarded, or an awarded tier's period ending before the campaign does."""

    title = "Invalid campaign"
    slug = "invalid-campaign"
