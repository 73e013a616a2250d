"""A batch of purchases and a till request of one household take the accounts in one order.

The cycle a fault run logged: a batch earns for member 1 (their own account, then the
household's: the batch holds the household's account to its end), then for member 2; in
between, a redemption for member 2 locks member 2's own account and waits for the
household's. The batch then wants member 2's own account: each holds what the other
wants, and PostgreSQL aborts one of them (the till saw a 503).
"""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from services.loyalty.redemption.schemas import RedemptionIn
from services.loyalty.redemption.service import redeem
from shared.db import Sessions, transaction
from shared.testing.records import consumer_record
from tests.loyalty.conftest import event_consumer, funded_member, purchase_event, until_waiting
from tests.loyalty.households.conftest import household, pooled


async def test_a_batch_and_a_redemption_of_one_household_do_not_deadlock(
    loyalty_sessions: Sessions,
) -> None:
    first = await funded_member(loyalty_sessions, 10_000)  # 100 points each
    second = await funded_member(loyalty_sessions, 10_000)
    apart = await funded_member(loyalty_sessions, 10_000)  # in no household
    await household(loyalty_sessions, first, second)  # the pool: 200
    batch = [purchase_event(member, 1_000) for member in (first, apart, second)]  # 10 each
    records = [consumer_record(event, offset=n) for n, event in enumerate(batch)]
    redeemed = RedemptionIn(points=30, reason="兑换")
    apart_account = (await pooled(loyalty_sessions, apart)).own_account

    async def redemption() -> None:
        async with transaction(loyalty_sessions) as session:
            await redeem(session, second, redeemed)

    # the gate holds the account of the member in no household, so the batch stops on
    # the second purchase, whatever it holds by then
    async with loyalty_sessions() as gate:  # autobegins
        await gate.execute(
            text("SELECT 1 FROM loyalty.accounts WHERE account_id = :a FOR UPDATE"),
            {"a": apart_account},
        )
        earning = asyncio.create_task(event_consumer(loyalty_sessions).apply(records))
        await until_waiting(earning, loyalty_sessions, waiting=1)
        spending = asyncio.create_task(redemption())
        await until_waiting(spending, loyalty_sessions, waiting=2)
        await gate.rollback()
    outcomes = await asyncio.gather(earning, spending, return_exceptions=True)

    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    assert (await pooled(loyalty_sessions, second)).pool_balance == 200 + 10 + 10 - 30
    assert (await pooled(loyalty_sessions, apart)).own_balance == 100 + 10
