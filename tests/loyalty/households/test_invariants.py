"""The invariant checker covers household accounts: pooling and transfers, healthy after
real traffic and each corruption reported (as the superuser, always rolled back)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from services.loyalty.points.invariants import Invariant, check_ledger_invariants
from shared.db import Sessions
from tests.loyalty.accounts.ledgers import tampering
from tests.loyalty.conftest import funded_member
from tests.loyalty.households.conftest import household, pooled
from tests.stack import Stack

CORRUPTIONS = {
    "a pooled account keeps points": (
        "UPDATE loyalty.accounts SET balance = 5 WHERE account_id = :own",
        {Invariant.HOUSEHOLDS, Invariant.BALANCE, Invariant.LOTS},
    ),
    "pooled without holding the household": (
        "DELETE FROM loyalty.account_holders WHERE member_id = :member AND role = 'household'",
        {Invariant.HOUSEHOLDS},
    ),
    "holding the household without being pooled": (
        "UPDATE loyalty.accounts SET pooled_into = NULL WHERE account_id = :own",
        {Invariant.HOUSEHOLDS},
    ),
    "pooled with no record of when": (
        "DELETE FROM loyalty.account_poolings WHERE account_id = :own",
        {Invariant.HOUSEHOLDS},
    ),
    "a household account with an owner": (
        "INSERT INTO loyalty.account_holders (account_id, member_id, role, since) "
        "VALUES (:pool, gen_random_uuid(), 'owner', now())",
        {Invariant.HOUSEHOLDS},
    ),
    "a transfer's points arrive but never left": (
        "DELETE FROM loyalty.ledger_entries WHERE account_id = :own "
        "AND source_type = 'transfer_out'",
        # and the lots it drew on name a debit that is not there
        {Invariant.TRANSFERS, Invariant.BALANCE, Invariant.LOTS},
    ),
    "a transfer gives more than it took": (
        "UPDATE loyalty.ledger_entries SET points = points + 1 WHERE account_id = :pool "
        "AND source_type = 'transfer_in'",
        {Invariant.TRANSFERS, Invariant.BALANCE, Invariant.RUNNING_BALANCE, Invariant.LOTS},
    ),
}


async def test_a_household_after_real_traffic_reports_nothing(loyalty_sessions: Sessions) -> None:
    head = await funded_member(loyalty_sessions, 30_000)
    other = await funded_member(loyalty_sessions, 20_000)
    await household(loyalty_sessions, head, other)
    async with loyalty_sessions() as session:
        report = await check_ledger_invariants(session, members=[head, other])
    assert report.ok, str(report)
    # the two own accounts and the household's; two earns, two transfers of two entries
    assert (report.accounts, report.entries) == (3, 6)


@pytest.mark.parametrize("name", list(CORRUPTIONS))
async def test_each_household_corruption_is_reported(
    name: str, stack: Stack, loyalty_sessions: Sessions
) -> None:
    statement, broken = CORRUPTIONS[name]
    head = await funded_member(loyalty_sessions, 30_000)
    member = await funded_member(loyalty_sessions, 20_000)
    await household(loyalty_sessions, head, member)
    state = await pooled(loyalty_sessions, member)
    values = {"own": state.own_account, "pool": state.pooled_into, "member": member}
    async with tampering(stack) as session:
        assert (await check_ledger_invariants(session, members=[head, member])).ok
        await session.execute(
            text(statement), {k: v for k, v in values.items() if f":{k}" in statement}
        )
        report = await check_ledger_invariants(session, members=[head, member])
    assert {v.invariant for v in report.violations} == broken, str(report)
    assert all(isinstance(v.subject, uuid.UUID) for v in report.violations)
