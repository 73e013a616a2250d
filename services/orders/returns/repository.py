"""Queries of returns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert

from services.orders.returns.models import PurchaseReturn, ReturnLine
from shared.db import AsyncSession


async def insert_return(
    session: AsyncSession,
    purchase_return: dict[str, Any],
    lines: Sequence[dict[str, Any]],
) -> None:
    await session.execute(insert(PurchaseReturn).values(**purchase_return))
    await session.execute(insert(ReturnLine), list(lines))
