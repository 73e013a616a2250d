"""Named errors of lottery draws."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


class LotteryCampaignNotFound(NotFound):
    """No draw campaign has the id named (in the path, or ``campaign_id`` of a draw)."""

    title = "No such draw campaign"
    slug = "lottery-campaign-not-found"


class InvalidLotteryCampaign(Unprocessable):
    """A draw campaign whose terms do not hold together: ``ends_at`` not later than
    ``starts_at``, prizes whose probabilities add up to more than 10,000 parts, or a coupon
    prize naming a definition that does not exist."""

    title = "Invalid draw campaign"
    slug = "invalid-lottery-campaign"


class LotteryCampaignNotRunning(Conflict):
    """A draw in a campaign before its start or from its end on."""

    title = "Draw campaign not running"
    slug = "lottery-campaign-not-running"


class NoDrawChances(Conflict):
    """A draw by a member with no unused chance in the campaign."""

    title = "No draw chances left"
    slug = "no-draw-chances"


class FulfilmentNotFound(NotFound):
    """No gift to hand over for the draw named in the path (no such draw, or it won no
    gift)."""

    title = "No gift fulfilment"
    slug = "lottery-fulfilment-not-found"


class LotteryCampaignEnded(Conflict):
    """An early end of a draw campaign whose end has come."""

    title = "Draw campaign ended"
    slug = "lottery-campaign-ended"
