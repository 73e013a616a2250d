"""Audiences: the members of the program a grant (or later a message) is for, picked by
what loyalty knows of them now, and analytics' saved segments as loyalty's copy has them."""

from __future__ import annotations

import uuid

from sqlalchemy import Select

from services.loyalty.audiences import repository
from services.loyalty.audiences.errors import UnknownSegment
from services.loyalty.audiences.schemas import AudienceIn
from services.loyalty.base import segment_copies
from services.loyalty.program import service as program
from services.loyalty.program.errors import UnknownTier
from shared.db import AsyncSession


async def members(
    session: AsyncSession, audience: AudienceIn, *, field: str = "audience"
) -> Select[tuple[uuid.UUID]]:
    """A selection of the audience's member ids, to run (or insert from) in one
    statement, so the members are those of one snapshot. Raises :class:`UnknownTier`
    (422, field ``<field>.tiers``) for a tier not on the ladder and
    :class:`UnknownSegment` (422, ``<field>.segments.<i>``) for a segment no
    ``analytics.segment.changed`` told loyalty of."""
    for index, segment in enumerate(audience.segments or []):
        if not await segment_copies.known(session, segment):
            raise UnknownSegment(
                f"segment {segment} is not known to loyalty (not yet published, or deleted)",
                field=f"{field}.segments.{index}",
            )
    if audience.tiers is not None:
        ladder = {rung.code for rung in await program.current_ladder(session)}
        if unknown := sorted(set(audience.tiers) - ladder):
            raise UnknownTier(f"Not on the ladder: {', '.join(unknown)}", field=f"{field}.tiers")
    return repository.members(audience)
