"""The tier standings' invariants, part of
:func:`services.loyalty.points.invariants.check_ledger_invariants`:

- ``qualified_as_purchased``: every purchase loyalty accepted has its qualifying record
  (same account, buyer, total and fen returned), and every qualifying record names an
  accepted purchase; the caller passes its purchases table (it is above this capability);
- ``standing``: a standing's lifetime ``qualifying_spend_fen`` is the net of its member's
  qualifying purchases; its tier is on the ladder; it has a review date exactly when it
  is above the base tier, under a windowed policy and outside a manual assignment.

It reads the tables directly: it is an audit over one snapshot, not a use case.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, func, literal, or_, select

from services.loyalty.accounts.invariants import Invariant, Scope, Violation
from services.loyalty.program.domain import base_tier
from services.loyalty.program.service import current_ladder
from services.loyalty.tiers.models import QualifyingPurchase, TierStanding
from services.loyalty.tiers.repository.policies import policy
from shared.db import AsyncSession

_qualifying: Table = QualifyingPurchase.__table__  # type: ignore[attr-defined]
_standings: Table = TierStanding.__table__  # type: ignore[attr-defined]


async def tier_violations(
    session: AsyncSession,
    purchases: Table,
    in_scope: Scope,
    members: Collection[uuid.UUID] | None,
) -> list[Violation]:
    """Every violation of the tiers' invariants; ``in_scope(account_id)`` restricts the
    purchases checked, ``members`` the standings (None: all)."""
    return [
        *await _qualified_as_purchased(session, purchases, in_scope),
        *await _standing_spend(session, members),
        *await _standing_tiers(session, members),
    ]


async def _qualified_as_purchased(
    session: AsyncSession, purchases: Table, in_scope: Scope
) -> list[Violation]:
    p, q = purchases.c, _qualifying.c
    differs = or_(
        q.purchase_id.is_(None),
        p.purchase_id.is_(None),
        q.account_id != p.account_id,
        q.member_id != p.member_id,
        q.total_fen != p.total_fen,
        q.returned_fen != p.returned_fen,
    )
    query = (
        select(
            func.coalesce(p.purchase_id, q.purchase_id).label("purchase_id"),
            p.purchase_id.label("accepted"),
            q.purchase_id.label("qualifying"),
        )
        .select_from(purchases.join(_qualifying, q.purchase_id == p.purchase_id, full=True))
        .where(differs, or_(in_scope(p.account_id), in_scope(q.account_id)))
    )
    violations = []
    for row in await session.execute(query):
        if row.qualifying is None:
            what = "has no qualifying record"
        elif row.accepted is None:
            what = "qualifies but loyalty never accepted it"
        else:
            what = "qualifies with another account, buyer, total or refund than it records"
        violations.append(
            Violation(
                Invariant.QUALIFIED_AS_PURCHASED,
                row.purchase_id,
                f"purchase {row.purchase_id} {what}",
            )
        )
    return violations


def _members(
    column: ColumnElement[Any], members: Collection[uuid.UUID] | None
) -> ColumnElement[bool]:
    return literal(True) if members is None else column.in_(list(members))


async def _standing_spend(
    session: AsyncSession, members: Collection[uuid.UUID] | None
) -> list[Violation]:
    q = _qualifying.c
    net = (
        select(q.member_id, func.sum(q.total_fen - q.returned_fen).label("spend"))
        .group_by(q.member_id)
        .subquery()
    )
    spend = func.coalesce(net.c.spend, 0)
    query = (
        select(_standings.c.member_id, _standings.c.qualifying_spend_fen, spend.label("spend"))
        .outerjoin(net, net.c.member_id == _standings.c.member_id)
        .where(
            _standings.c.qualifying_spend_fen != spend, _members(_standings.c.member_id, members)
        )
    )
    return [
        Violation(
            Invariant.STANDING,
            row.member_id,
            f"member {row.member_id}'s standing counts {row.qualifying_spend_fen} fen of "
            f"lifetime spend, their qualifying purchases {row.spend}",
        )
        for row in await session.execute(query)
    ]


async def _standing_tiers(
    session: AsyncSession, members: Collection[uuid.UUID] | None
) -> list[Violation]:
    ladder = await current_ladder(session)
    windowed = (await policy(session)).windowed
    s = _standings.c
    reviewed_wrongly = and_(
        s.review_at.is_not(None),
        or_(
            literal(not windowed),
            s.tier_code == base_tier(ladder).code,
            s.assigned_until.is_not(None),
        ),
    )
    never_reviewed = and_(
        literal(windowed),
        s.review_at.is_(None),
        s.assigned_until.is_(None),
        s.tier_code != base_tier(ladder).code,
    )
    off_ladder = s.tier_code.not_in([rung.code for rung in ladder])
    query = select(s.member_id, s.tier_code, s.review_at, off_ladder.label("off_ladder")).where(
        or_(off_ladder, reviewed_wrongly, never_reviewed), _members(s.member_id, members)
    )
    return [
        Violation(
            Invariant.STANDING,
            row.member_id,
            f"member {row.member_id}'s tier {row.tier_code!r} is not on the ladder"
            if row.off_ladder
            else f"member {row.member_id}'s tier {row.tier_code!r} is never reviewed under "
            "a windowed policy"
            if row.review_at is None
            else f"member {row.member_id}'s tier {row.tier_code!r} is reviewed at "
            f"{row.review_at} where nothing is to be reviewed",
        )
        for row in await session.execute(query)
    ]
