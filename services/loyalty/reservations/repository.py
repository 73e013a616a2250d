"""Queries of the till policy and the reservations."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, update
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
    per tender), else a released one that was committed to it: one the sweep released
    (``timeout``) before one released otherwise, the latest first."""
    query = (
        select(Reservation)
        .where(Reservation.purchase_id == purchase_id, Reservation.tender == tender)
        .order_by(
            col(Reservation.status).in_(("committed", "confirmed")).desc(),
            (col(Reservation.release_reason) == "timeout").desc().nulls_last(),
            col(Reservation.updated_at).desc(),
        )
        .limit(1)
    )
    return (await session.scalars(query.execution_options(populate_existing=True))).first()


async def due(session: AsyncSession, now: datetime, limit: int) -> list[uuid.UUID]:
    """Reservations whose hold or grace ran out, oldest first."""
    query = (
        select(Reservation.reservation_id)
        .where(col(Reservation.status).in_(("held", "committed")), Reservation.expires_at <= now)
        .order_by(col(Reservation.expires_at))
        .limit(limit)
    )
    return list((await session.scalars(query)).all())
