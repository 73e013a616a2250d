from __future__ import annotations

import pytest

from shared.db import Sessions
from tests.loyalty.accounts.ledgers import Ledger, bought_and_returned


@pytest.fixture
async def ledger(loyalty_sessions: Sessions) -> Ledger:
    """A member who bought for ¥1,500 (1,500 points) and returned ¥450 of it (450 back)."""
    return await bought_and_returned(loyalty_sessions)
