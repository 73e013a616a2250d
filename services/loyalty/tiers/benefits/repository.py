"""Queries of benefits per tier."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Table, delete, insert, select

from services.loyalty.tiers.benefits.models import TierBenefit
from shared.db import AsyncSession

_benefits: Table = TierBenefit.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class BenefitRow:
    tier_code: str
    discount_percent: int
    birthday_gift: str | None
    priority_service: bool


async def benefits(session: AsyncSession) -> list[BenefitRow]:
    query = select(
        _benefits.c.tier_code,
        _benefits.c.discount_percent,
        _benefits.c.birthday_gift,
        _benefits.c.priority_service,
    ).order_by(_benefits.c.tier_code)
    return [BenefitRow(*row) for row in await session.execute(query)]


async def replace_benefits(session: AsyncSession, rows: Sequence[BenefitRow]) -> None:
    await session.execute(delete(_benefits))
    if rows:
        await session.execute(
            insert(_benefits),
            [
                {
                    "tier_code": r.tier_code,
                    "discount_percent": r.discount_percent,
                    "birthday_gift": r.birthday_gift,
                    "priority_service": r.priority_service,
                }
                for r in rows
            ],
        )
