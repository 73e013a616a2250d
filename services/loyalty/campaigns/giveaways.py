"""A campaign's coupon giveaway (see :mod:`services.loyalty.campaigns.domain`): one coupon
of its definition per qualifying purchase, granted in the purchase's earn, within the
campaign's ``giveaway_quantity`` and the definition's own limits.

Idempotent per purchase: the grant key is the purchase id (a purchase delivered again is
stopped before, by :func:`services.loyalty.campaigns.service.add_to`). The quantity is
drawn by one conditional update of the campaign's row (its lock serialises racing sales,
``ck_campaigns_giveaway`` holds regardless), then the coupon is granted, both inside a
savepoint: a grant the definition refuses (exhausted, per-member limit, ended) gives
back the draw and leaves the sale earning as before, never failing it.

A return (or void) that leaves the purchase below the threshold takes the coupon back
if it is unused (:func:`take_back`): the coupon was given for a purchase that, as it
stands, would not have earned it. A coupon used, held at a till or expired stays: a
sale already took it or it is worth nothing. The campaign's ``coupons_given`` and the
definition's ``issued`` keep it (they bound what was ever given).
"""

from __future__ import annotations

import logging
import uuid

from services.loyalty.campaigns import domain, repository
from services.loyalty.campaigns.errors import InvalidCampaign
from services.loyalty.campaigns.schemas import CampaignTerms
from services.loyalty.coupons import service as coupons
from services.loyalty.coupons.errors import (
    CouponDefinitionEnded,
    CouponDefinitionNotFound,
    CouponLimitReached,
    CouponsExhausted,
)
from services.loyalty.coupons.schemas import GrantIn
from shared.db import AsyncSession
from shared.events.orders import PurchaseCompleted

log = logging.getLogger(__name__)


async def check(session: AsyncSession, data: CampaignTerms, at: str) -> None:
    """Raises :class:`InvalidCampaign` (422) for half a giveaway, a quantity without one, or
    a definition that does not exist."""
    definition = data.giveaway_definition_id
    if (definition is None) != (data.giveaway_threshold_fen is None):
        missing = "giveaway_threshold_fen" if definition is not None else "giveaway_definition_id"
        raise InvalidCampaign(
            "giveaway_definition_id and giveaway_threshold_fen go together (both, or neither)",
            field=at + missing,
        )
    if definition is None:
        if data.giveaway_quantity is not None:
            raise InvalidCampaign(
                "giveaway_quantity needs a giveaway_definition_id", field=f"{at}giveaway_quantity"
            )
        return
    try:
        await coupons.get_definition(session, definition)
    except CouponDefinitionNotFound:
        raise InvalidCampaign(
            f"giveaway_definition_id {definition} names no coupon definition",
            field=f"{at}giveaway_definition_id",
        ) from None


async def give(
    session: AsyncSession, terms: domain.Campaign, purchase: PurchaseCompleted
) -> uuid.UUID | None:
    """One coupon of the campaign's giveaway for the purchase's member (grant key: the
    purchase id), counted against its ``giveaway_quantity``; its id, or None when the
    quantity, the definition's quantity or budget, its per-member limit or its validity
    refuse it (then nothing of the attempt stays: a savepoint) or a coupon of the
    definition was granted for this purchase already (another campaign's giveaway)."""
    assert terms.giveaway_definition_id is not None
    body = GrantIn(definition_id=terms.giveaway_definition_id, grant_key=str(purchase.purchase_id))
    if await coupons.granted_before(
        session, body.definition_id, purchase.member_id, body.grant_key
    ):
        return None
    try:
        async with session.begin_nested():
            if not await repository.reserve_coupon(session, terms.campaign_id):
                return None
            coupon = await coupons.grant(
                session, purchase.member_id, body, show_code=False, campaign_id=terms.campaign_id
            )
    except (CouponsExhausted, CouponLimitReached, CouponDefinitionEnded) as refused:
        log.info(
            "campaign %s gave no coupon for %s: %s",
            terms.campaign_id,
            purchase.purchase_id,
            refused.detail,
        )
        return None
    return coupon.id


async def take_back(session: AsyncSession, purchase_id: uuid.UUID) -> int:
    """After a return or void of the purchase was counted: withdraws each coupon a giveaway
    gave it that the purchase no longer qualifies for
    (:func:`~services.loyalty.campaigns.domain.still_qualifies`) if it is still unused
    (``loyalty.coupon.withdrawn``); how many. One query when the purchase got none."""
    withdrawn = 0
    for coupon_id, threshold, qualifying, total, returned in await repository.coupons_given_for(
        session, purchase_id
    ):
        if not domain.still_qualifies(threshold, qualifying, total, returned):
            withdrawn += await coupons.withdraw(session, coupon_id, purchase_id=purchase_id)
    return withdrawn
