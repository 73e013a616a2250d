"""The statement that picks an audience's members. It reads the accounts kernel's holders
and balances, tiers' standings and qualifying purchases, and the copy of analytics'
segments (read only: the import
contracts allow this module those tables), so it is one SQL selection the caller can
insert from, never a list of ids in Python."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, func, select

from services.loyalty.accounts.models import OWNER, Account, AccountHolder
from services.loyalty.audiences.schemas import AudienceIn
from services.loyalty.base import segment_copies
from services.loyalty.tiers.models import QualifyingPurchase, TierStanding

_holders = AccountHolder.__table__  # type: ignore[attr-defined]
_accounts = Account.__table__  # type: ignore[attr-defined]
_standings = TierStanding.__table__  # type: ignore[attr-defined]
_purchases = QualifyingPurchase.__table__  # type: ignore[attr-defined]


def members(audience: AudienceIn) -> Select[tuple[uuid.UUID]]:
    """The member ids of the audience, each once (a member owns one account)."""
    holder = _holders.c
    query = select(holder.member_id).where(holder.role == OWNER)
    if audience.joined_from is not None:
        query = query.where(holder.since >= audience.joined_from)
    if audience.joined_until is not None:
        query = query.where(holder.since < audience.joined_until)
    if audience.tiers is not None:
        query = query.join(_standings, _standings.c.member_id == holder.member_id).where(
            _standings.c.tier_code.in_(audience.tiers)
        )
    if audience.segments is not None:
        copies = segment_copies.members.c
        in_any = select(copies.member_id).where(copies.segment_id.in_(audience.segments))
        query = query.where(holder.member_id.in_(in_any))
    if audience.min_points is not None or audience.max_points is not None:
        own, pool = _accounts.alias("own"), _accounts.alias("pool")
        query = query.join(own, own.c.account_id == holder.account_id).outerjoin(
            pool, pool.c.account_id == own.c.pooled_into
        )
        balance = func.coalesce(pool.c.balance, own.c.balance)
        if audience.min_points is not None:
            query = query.where(balance >= audience.min_points)
        if audience.max_points is not None:
            query = query.where(balance <= audience.max_points)
    if audience.last_purchase_from is not None or audience.last_purchase_until is not None:
        bought = _purchases.c
        last = (
            select(func.max(bought.purchased_at))
            .where(bought.member_id == holder.member_id, bought.returned_fen < bought.total_fen)
            .scalar_subquery()
        )
        if audience.last_purchase_from is not None:
            query = query.where(last >= audience.last_purchase_from)
        if audience.last_purchase_until is not None:
            query = query.where(last < audience.last_purchase_until)
    return query
