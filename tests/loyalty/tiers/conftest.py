"""Tier policies for a test: set, committed, and the default (lifetime spend) restored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from services.loyalty.tiers.policy import set_policy
from services.loyalty.tiers.schemas import TierPolicyIn
from shared.db import Sessions, transaction

DEFAULT_POLICY = TierPolicyIn(qualify_by="spend", window="lifetime")


@asynccontextmanager
async def tier_policy(sessions: Sessions, **policy: Any) -> AsyncIterator[None]:
    """The program is shared by every test: the policy holds inside the block only."""
    async with transaction(sessions) as session:
        await set_policy(session, TierPolicyIn(**policy))
    try:
        yield
    finally:
        async with transaction(sessions) as session:
            await set_policy(session, DEFAULT_POLICY)
