"""A till reads a member's tier benefits: orders finds the member the till names in its
directory and asks loyalty (:mod:`services.orders.tenders.loyalty`), which keeps tiers."""

from __future__ import annotations

from services.orders.benefits.schemas import MemberBenefitsOut
from services.orders.directory import service as directory
from services.orders.directory.domain import MemberReference
from services.orders.tenders.errors import BenefitsNotFound
from services.orders.tenders.loyalty import Loyalty
from shared.crypto import PiiCipher
from shared.db import AsyncSession
from shared.errors import UnknownMember


async def benefits_of(
    session: AsyncSession, cipher: PiiCipher, loyalty: Loyalty, reference: MemberReference
) -> MemberBenefitsOut:
    """What the tier of the member ``reference`` names gives them now, as loyalty says.

    Raises :class:`BenefitsNotFound` (404: orders does not know the member, or loyalty has
    no account for them) and ``LoyaltyUnavailable`` (503).
    """
    try:
        member_id = (await directory.find_members(session, cipher, [reference])).member_of(
            reference
        )
    except UnknownMember as unknown:
        # a reference in the path or the query names a resource: not found, not a bad body
        where = "path" if reference.member_id is not None else "query"
        raise BenefitsNotFound(unknown.detail, field=unknown.field, where=where) from None
    return MemberBenefitsOut.model_validate(await loyalty.benefits(member_id))
