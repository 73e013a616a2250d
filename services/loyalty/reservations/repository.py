"""Queries of the till policy and the reservations."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, Uuid, any_, bindparam, func, literal_column, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import col, select

from services.loyalty.reservations.models import Reservation, TillPolicy, TillRefund
from shared.db import AsyncSession


async def policy(session: AsyncSession, *, lock: bool = False) -> TillPolicy:
    query = select(TillPolicy).where(TillPolicy.id == 1)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query.execution_options(populate_existing=True))).one()


async def save_policy(session: AsyncSession, values: dict[str, int]) -> None:
    await session.execute(
        update(TillPolicy).where(col(TillPolicy.id) == 1).values(**values, updated_at=func.now())
    )


async def add(session: AsyncSession, reservation: Reservation) -> None:
    session.add(reservation)
    await session.flush()


async def add_refund(
    session: AsyncSession, source_id: uuid.UUID, reservation_id: uuid.UUID, points: int
) -> None:
    """Records which reservation the ``till_refund`` credit ``source_id`` gave back for."""
    session.add(TillRefund(source_id=source_id, reservation_id=reservation_id, points=points))
    await session.flush()


async def reservation(
    session: AsyncSession, reservation_id: uuid.UUID, *, lock: bool = False
) -> Reservation | None:
    query = select(Reservation).where(Reservation.reservation_id == reservation_id)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query.execution_options(populate_existing=True))).first()


async def used_by(session: AsyncSession, purchase_id: uuid.UUID, tender: str) -> Reservation | None:
    """The reservation of ``tender`` a sale committed (committed or confirmed; at most one
    per tender), else a released one that was committed to it."""
    query = (
        select(Reservation)
        .where(Reservation.purchase_id == purchase_id, Reservation.tender == tender)
        .order_by(col(Reservation.status).in_(("committed", "confirmed")).desc())
        .limit(1)
    )
    return (await session.scalars(query.execution_options(populate_existing=True))).first()


_reservations = Reservation.__table__  # type: ignore[attr-defined]

_HELD_ON = (
    sa_select(
        _reservations.c.reservation_id,
        _reservations.c.store_id,
        _reservations.c.points,
        _reservations.c.expires_at,
    )
    .where(
        _reservations.c.status == literal_column("'held'"),
        _reservations.c.tender == literal_column("'points'"),
        _reservations.c.account_id == any_(bindparam("accounts", type_=ARRAY(Uuid))),
    )
    .order_by(_reservations.c.expires_at, _reservations.c.reservation_id)
)
"""Built once: constructing a statement costs more CPU than running it (the balance read
sends it on every request)."""


async def held_on(
    session: AsyncSession, account_ids: Sequence[uuid.UUID]
) -> list[Row[uuid.UUID, uuid.UUID, int, datetime]]:
    """The points reservations of these accounts still held, the soonest to run out first:
    rows of ``reservation_id, store_id, points, expires_at``."""
    return list((await session.execute(_HELD_ON, {"accounts": list(account_ids)})).all())


async def due(session: AsyncSession, now: datetime, limit: int) -> list[uuid.UUID]:
    """Reservations whose hold or grace ran out, oldest first."""
    query = (
        select(Reservation.reservation_id)
        .where(col(Reservation.status).in_(("held", "committed")), Reservation.expires_at <= now)
        .order_by(col(Reservation.expires_at))
        .limit(limit)
    )
    return list((await session.scalars(query)).all())
