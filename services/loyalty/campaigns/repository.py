"""Queries of campaigns: those running at a time, and their budgets reserved."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Update,
    Uuid,
    any_,
    bindparam,
    func,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import col

from services.loyalty.accounts.service import Along, Param
from services.loyalty.base import transaction_kept
from services.loyalty.campaigns.models import CampaignPurchase, CampaignRow
from shared.db import AsyncSession, Prepared

_campaigns = CampaignRow.__table__  # type: ignore[attr-defined]
_reached = CampaignPurchase.__table__  # type: ignore[attr-defined]


async def not_closed(session: AsyncSession) -> list[CampaignRow]:
    """The campaigns not closed out yet (running, to come, or ended since the last
    close-out), oldest first: the order their budgets are drawn."""
    query = (
        select(CampaignRow)
        .where(col(CampaignRow.closed_at).is_(None))
        .order_by(col(CampaignRow.created_at), col(CampaignRow.campaign_id))
    )
    return list((await session.scalars(query)).all())


def _reserve() -> Prepared:
    left = (
        select(
            _campaigns.c.campaign_id,
            func.greatest(
                0,
                func.least(
                    bindparam("wanted", type_=BigInteger),
                    _campaigns.c.budget_points - _campaigns.c.spent_points,
                ),
            ).label("taken"),
        )
        .where(_campaigns.c.campaign_id == bindparam("campaign_id", type_=Uuid))
        .with_for_update()
        .subquery()
    )
    return Prepared(
        update(_campaigns)
        .where(_campaigns.c.campaign_id == left.c.campaign_id)
        .values(spent_points=_campaigns.c.spent_points + left.c.taken)
        .returning(left.c.taken)
    )


_RESERVE = _reserve()
"""Built and compiled once, sent as asyncpg's prepared statement: a sale a campaign reaches
runs it, and building it cost more than running it."""


async def reserve(session: AsyncSession, campaign_id: uuid.UUID, wanted: int) -> int:
    """Takes up to ``wanted`` points from the campaign's budget in one statement; what it
    took (what was left when that is less, 0 once spent). The row lock the statement
    takes serialises concurrent sales; ``ck_campaigns_budget`` holds regardless."""
    rows = await _RESERVE.fetch(session, campaign_id=campaign_id, wanted=wanted)
    return int(rows[0]["taken"]) if rows else 0


async def reserve_coupon(session: AsyncSession, campaign_id: uuid.UUID) -> bool:
    """Counts one more coupon given by the campaign's giveaway if its quantity allows it;
    False (nothing changed) when it does not. The row lock the update takes serialises
    concurrent sales; ``ck_campaigns_giveaway`` holds regardless."""
    query = (
        update(_campaigns)
        .where(
            _campaigns.c.campaign_id == campaign_id,
            _campaigns.c.giveaway_quantity.is_(None)
            | (_campaigns.c.coupons_given < _campaigns.c.giveaway_quantity),
        )
        .values(coupons_given=_campaigns.c.coupons_given + 1)
        .returning(_campaigns.c.campaign_id)
    )
    return (await session.execute(query)).first() is not None


async def add(session: AsyncSession, row: CampaignRow) -> CampaignRow:
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return row


async def get(session: AsyncSession, campaign_id: uuid.UUID) -> CampaignRow | None:
    return await session.get(CampaignRow, campaign_id)


async def locked(session: AsyncSession, campaign_id: uuid.UUID) -> CampaignRow | None:
    """The campaign, its row locked ``FOR UPDATE`` and read after the lock is granted (a
    change or close-out that committed meanwhile is seen)."""
    query = (
        select(CampaignRow)
        .where(col(CampaignRow.campaign_id) == campaign_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(query)).first()


async def latest(
    session: AsyncSession, limit: int, before: tuple[datetime, uuid.UUID] | None
) -> list[CampaignRow]:
    """``limit`` campaigns latest starting first (ties by id, highest first), those before
    ``before``'s ``(starts_at, campaign_id)`` when given."""
    key = tuple_(col(CampaignRow.starts_at), col(CampaignRow.campaign_id))
    query = select(CampaignRow)
    if before is not None:
        query = query.where(key < before)
    query = query.order_by(
        col(CampaignRow.starts_at).desc(), col(CampaignRow.campaign_id).desc()
    ).limit(limit)
    return list((await session.scalars(query)).all())


_RECORDED = (
    "campaign_id",
    "purchase_id",
    "member_id",
    "qualifying_fen",
    "total_fen",
    "returned_fen",
    "points",
    "coupon_id",
)

_RECORD = Prepared(
    insert(_reached).from_select(
        list(_RECORDED),
        select(
            *(
                func.unnest(bindparam(name, type_=ARRAY(_reached.c[name].type))).label(name)
                for name in _RECORDED
            )
        ),
    )
)
"""The rows as one array per column: the same statement, compiled once, for any count."""


async def record(session: AsyncSession, rows: list[dict[str, object]]) -> None:
    """The purchases campaigns reached (``campaign_purchases`` columns), in one statement."""
    await _RECORD.fetch(session, **{name: [row[name] for row in rows] for name in _RECORDED})
    for looked_up in _looked_up(session):
        looked_up.update(cast(uuid.UUID, row["purchase_id"]) for row in rows)


_REACHED_AMONG = Prepared(
    select(_reached.c.purchase_id)
    .where(_reached.c.purchase_id == any_(bindparam("purchase_ids", type_=ARRAY(Uuid))))
    .distinct()
)
"""Built once: constructing a statement costs more CPU than running it."""

_LOOKED_UP = "loyalty.campaigns.reached"


async def reached_before(session: AsyncSession, purchase_id: uuid.UUID) -> bool:
    """Whether a campaign recorded the purchase already (it was delivered before): from
    what :func:`look_up_reached` read in this transaction (and :func:`record` wrote since)
    when it asked about this purchase, else one statement."""
    looked_up = _looked_up(session)
    if purchase_id not in looked_up[0]:
        await _look_up(session, [purchase_id], looked_up)
    return purchase_id in looked_up[1]


def _looked_up(session: AsyncSession) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    """The purchases asked about in this transaction, and those of them a campaign reached."""
    kept = transaction_kept(session, _LOOKED_UP)
    if not kept:
        kept.update(asked=set(), reached=set())
    return kept["asked"], kept["reached"]


async def look_up_reached(session: AsyncSession, purchase_ids: Collection[uuid.UUID]) -> None:
    """Reads which of ``purchase_ids`` a campaign recorded, in one statement, and keeps the
    answer for :func:`reached_before` until the transaction ends."""
    await _look_up(session, list(purchase_ids), _looked_up(session))


async def _look_up(
    session: AsyncSession,
    purchase_ids: list[uuid.UUID],
    looked_up: tuple[set[uuid.UUID], set[uuid.UUID]],
) -> None:
    rows = await _REACHED_AMONG.fetch(session, purchase_ids=purchase_ids)
    looked_up[0].update(purchase_ids)
    looked_up[1].update(row["purchase_id"] for row in rows)


def count_return(*, purchase_id: uuid.UUID, returned_fen: int) -> Along:
    """Adds ``returned_fen`` to what is returned of the purchase, for every campaign it
    reached (none: nothing), with the reversal's entry: a return delivered again, which
    the ledger refuses, counts nothing twice."""
    return Along(_count_return_when, {"purchase_id": purchase_id, "returned_fen": returned_fen})


def _count_return_when(condition: ColumnElement[bool], param: Param) -> Update:
    return (
        update(_reached)
        .where(_reached.c.purchase_id == param("purchase_id", Uuid()), condition)
        .values(returned_fen=_reached.c.returned_fen + param("returned_fen", BigInteger()))
    )


async def coupons_given_for(
    session: AsyncSession, purchase_id: uuid.UUID
) -> list[tuple[uuid.UUID, int, int, int, int]]:
    """The coupons giveaways gave the purchase, as ``(coupon_id, threshold_fen,
    qualifying_fen, total_fen, returned_fen)``."""
    query = (
        select(
            _reached.c.coupon_id,
            _campaigns.c.giveaway_threshold_fen,
            _reached.c.qualifying_fen,
            _reached.c.total_fen,
            _reached.c.returned_fen,
        )
        .join(_campaigns, _campaigns.c.campaign_id == _reached.c.campaign_id)
        .where(_reached.c.purchase_id == purchase_id, _reached.c.coupon_id.is_not(None))
    )
    return [
        (
            row.coupon_id,
            row.giveaway_threshold_fen,
            row.qualifying_fen,
            row.total_fen,
            row.returned_fen,
        )
        for row in await session.execute(query)
    ]


async def leaderboard(
    session: AsyncSession, campaign_id: uuid.UUID, limit: int
) -> list[tuple[uuid.UUID, int]]:
    """The top ``limit`` members by qualifying spend net of returns, highest first (of
    equal ones the lower member id first), as ``(member_id, fen)``; members whose spend
    was all returned are left out. A purchase's returned part takes its share of the
    qualifying spend in proportion to the refund, rounded down (as points are reversed)."""
    returned_share = _reached.c.qualifying_fen * _reached.c.returned_fen // _reached.c.total_fen
    spend = func.sum(_reached.c.qualifying_fen - returned_share).label("spend")
    query = (
        select(_reached.c.member_id, spend)
        .where(_reached.c.campaign_id == campaign_id)
        .group_by(_reached.c.member_id)
        .having(spend > 0)
        .order_by(spend.desc(), _reached.c.member_id)
        .limit(limit)
    )
    return [(row.member_id, int(row.spend)) for row in await session.execute(query)]


async def claim_due(session: AsyncSession, now: datetime) -> CampaignRow | None:
    """One campaign ended by ``now`` and not yet closed out, locked for this transaction;
    one another replica is closing is skipped (``SKIP LOCKED``)."""
    query = (
        select(CampaignRow)
        .where(col(CampaignRow.ends_at) <= now, col(CampaignRow.closed_at).is_(None))
        .order_by(col(CampaignRow.ends_at))
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return (await session.scalars(query)).first()
