"""Queries of the inbound SMS table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from services.messaging.optouts.models import InboundSms
from shared.db import AsyncSession

_inbound = InboundSms.__table__  # type: ignore[attr-defined]


async def add_inbound(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Store the reply unless its provider's one with its message id is stored; whether
    it was new (two deliveries of one callback at once: the second waits, then finds it)."""
    result = await session.execute(
        insert(_inbound)
        .values(values)
        .on_conflict_do_nothing(constraint="uq_inbound_sms_provider_message")
        .returning(_inbound.c.id)
    )
    return result.first() is not None


async def inbound_by_provider_id(
    session: AsyncSession, provider: str, provider_message_id: str
) -> InboundSms:
    query = select(InboundSms).where(
        InboundSms.provider == provider,  # type: ignore[arg-type]
        InboundSms.provider_message_id == provider_message_id,  # type: ignore[arg-type]
    )
    return (await session.scalars(query)).one()


async def set_action(session: AsyncSession, inbound: InboundSms, action: str, members: int) -> None:
    inbound.action, inbound.members = action, members
    await session.flush()
