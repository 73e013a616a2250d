"""Named errors of campaigns."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


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


class CampaignEnded(Conflict):
    """A change or an early end of a campaign whose end has come (closed out or not): what
    it gave and whom its close-out rewards are settled."""

    title = "Campaign ended"
    slug = "campaign-ended"


class CampaignStarted(Conflict):
    """A change of a campaign that has started to what only a campaign not yet started may
    change: its start, scope, effects or rewards (past sales earned by them)."""

    title = "Campaign started"
    slug = "campaign-started"
