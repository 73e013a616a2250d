"""Queries of lot draws: what debits took from which lots, and the lots a credit that
gives them back opens. Only the kernel's service calls them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, insert, select, tuple_, update

from services.loyalty.accounts.domain import Drawn, Restoration, Source
from services.loyalty.accounts.models import LedgerEntry, LotDraw, PointLot
from shared.db import AsyncSession

_draws = LotDraw.__table__  # type: ignore[attr-defined]
_ledger = LedgerEntry.__table__  # type: ignore[attr-defined]
_lots = PointLot.__table__  # type: ignore[attr-defined]


async def record(
    session: AsyncSession, entry_id: uuid.UUID, drawn: Sequence[tuple[uuid.UUID, int]]
) -> None:
    """Records what the debit ``entry_id`` took from each lot, in the order it took them."""
    if not drawn:
        return
    await session.execute(
        insert(_draws),
        [
            {"entry_id": entry_id, "position": n, "lot_id": lot_id, "points": points, "restored": 0}
            for n, (lot_id, points) in enumerate(drawn)
        ],
    )


async def undrawn(session: AsyncSession, debits: Sequence[Source]) -> list[Drawn]:
    """What the debits (by their sources) took and did not have back yet, each draw with
    the terms of its lot; ``Drawn.debit`` is the debit's index in ``debits``."""
    if not debits:
        return []
    rank = {(source.type, source.id): n for n, source in enumerate(debits)}
    query = (
        select(
            _ledger.c.source_type,
            _ledger.c.source_id,
            _draws.c.entry_id,
            _draws.c.position,
            _draws.c.points - _draws.c.restored,
            _lots.c.earned_at,
            _lots.c.available_at,
            _lots.c.expires_at,
        )
        .join(_ledger, _ledger.c.id == _draws.c.entry_id)
        .join(_lots, _lots.c.lot_id == _draws.c.lot_id)
        .where(
            tuple_(_ledger.c.source_type, _ledger.c.source_id).in_(list(rank)),
            _draws.c.restored < _draws.c.points,
        )
    )
    return [
        Drawn(rank[(kind, source_id)], *rest)
        for kind, source_id, *rest in await session.execute(query)
    ]


async def restore(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    entry_id: uuid.UUID,
    created_at: datetime,
    restoration: Restoration,
    expires_at: datetime | None,
    available_at: datetime,
) -> None:
    """Opens the lots of the credit ``entry_id`` (made at ``created_at``): one on the terms
    of each lot drawn on, one for the ``rest`` on the credit's own (``expires_at``,
    ``available_at``); and counts the points given back on their draws."""
    lots = [
        {
            "lot_id": uuid.uuid4(),
            "points": points,
            "earned_at": draw.earned_at,
            "available_at": draw.available_at,
            "expires_at": draw.expires_at,
        }
        for draw, points in restoration.lots
    ]
    if restoration.rest:
        lots.append(
            {
                "lot_id": uuid.uuid4(),
                "points": restoration.rest,
                "earned_at": created_at,
                "available_at": available_at,
                "expires_at": expires_at,
            }
        )
    await session.execute(
        insert(_lots),
        [
            lot | {"account_id": account_id, "entry_id": entry_id, "remaining": lot["points"]}
            for lot in lots
        ],
    )
    if restoration.lots:
        await session.execute(
            update(_draws)
            .where(
                _draws.c.entry_id == bindparam("entry"),
                _draws.c.position == bindparam("at"),
            )
            .values(restored=_draws.c.restored + bindparam("back")),
            [
                {"entry": draw.entry_id, "at": draw.position, "back": points}
                for draw, points in restoration.lots
            ],
        )
