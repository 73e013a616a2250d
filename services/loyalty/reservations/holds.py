"""What an account has held at tills now, for a member's loyalty view (a read beside the
use cases of :mod:`services.loyalty.reservations.service`)."""

from __future__ import annotations

import uuid

from services.loyalty.accounts.pools import service as pools
from services.loyalty.reservations import repository
from services.loyalty.reservations.schemas import HeldOut
from shared.db import AsyncSession


async def held_on(session: AsyncSession, account_id: uuid.UUID) -> list[HeldOut]:
    """The reservations still held whose points come back to ``account_id`` if released:
    those made on it, and, for a household's account, those its holders made on their own
    accounts before joining (a release credits the account they are pooled into). The
    soonest to run out first."""
    accounts = [account_id, *await pools.pooled_into(session, account_id)]
    return [
        HeldOut(reservation_id=row[0], store_id=row[1], points=row[2], expires_at=row[3])
        for row in await repository.held_on(session, accounts)
    ]
