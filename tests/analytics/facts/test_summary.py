"""Each member's row (the per-member summary every report reads: counted purchases, spend,
refunds, first and last purchase) equals a recomputation from the purchase facts, whatever
the member's history of purchases, partial and full returns, voids and redeliveries.

The segmentation and the KPIs read only the summary (docs/analytics.md, "At scale"), so
it must never drift from the facts it is folded from. A return may arrive after its sale's
void (events of one sale can be delivered out of order when one waits for the sale).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from shared.db import Sessions
from shared.events import CloudEvent
from tests.analytics import events
from tests.analytics.conftest import Feed, apply

RECOMPUTED = text(
    """
    SELECT count(*) FILTER (WHERE voided_at IS NULL AND NOT fully_returned),
           coalesce(sum(total_fen) FILTER (WHERE voided_at IS NULL), 0),
           coalesce(sum(returned_fen) FILTER (WHERE voided_at IS NULL), 0),
           min(purchased_at) FILTER (WHERE voided_at IS NULL),
           max(purchased_at) FILTER (WHERE voided_at IS NULL)
      FROM analytics.purchases WHERE member_id = :member
    """
)
SUMMARY = text(
    """
    SELECT purchase_count, spend_fen, returned_fen, first_purchase_at, last_purchase_at
      FROM analytics.members WHERE member_id = :member
    """
)


@dataclass(frozen=True)
class Sale:
    total_fen: int
    days_ago: int
    returns: tuple[int, ...]  # amounts, in order; the sum may exceed the total
    voided_after: int | None  # how many of the returns come before its void; None: no void


SALES = st.lists(
    st.builds(
        Sale,
        total_fen=st.integers(1, 50_000),
        days_ago=st.integers(0, 400),
        returns=st.lists(st.integers(1, 30_000), max_size=3).map(tuple),
        voided_after=st.none() | st.integers(0, 3),
    ),
    min_size=1,
    max_size=6,
)


def _history(member_id: uuid.UUID, sales: list[Sale], repeat: list[int]) -> list[CloudEvent]:
    """The sales, each followed by its returns and maybe its void among them, then
    redeliveries of some of those events (the same envelope again)."""
    now = datetime.now(UTC)
    sent: list[CloudEvent] = [events.registered(member_id)]
    for sale in sales:
        bought = events.purchase(member_id, sale.total_fen, at=now - timedelta(days=sale.days_ago))
        returns = [events.returned(bought, amount) for amount in sale.returns]
        if sale.voided_after is not None:
            returns.insert(min(sale.voided_after, len(returns)), events.voided(bought))
        sent += [bought, *returns]
    return sent + [sent[i % len(sent)] for i in repeat]


async def _check(sessions: Sessions, handlers: Feed, sales: list[Sale], repeat: list[int]) -> None:
    member_id = uuid.uuid4()
    await apply(sessions, handlers, *_history(member_id, sales, repeat))
    async with sessions() as session:
        summary = (await session.execute(SUMMARY, {"member": member_id})).one()
        recomputed = (await session.execute(RECOMPUTED, {"member": member_id})).one()
    assert tuple(summary) == tuple(recomputed)


async def test_the_summary_equals_the_facts(analytics_sessions: Sessions, handlers: Feed) -> None:
    loop = asyncio.get_running_loop()

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(sales=SALES, repeat=st.lists(st.integers(0, 50), max_size=4))
    def prop(sales: list[Sale], repeat: list[int]) -> None:
        future = asyncio.run_coroutine_threadsafe(
            _check(analytics_sessions, handlers, sales, repeat), loop
        )
        future.result()

    await asyncio.to_thread(prop)
