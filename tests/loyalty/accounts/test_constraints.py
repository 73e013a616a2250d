"""What the database itself refuses of the ledger, as the service role and as the superuser."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from shared.db import Sessions, transaction
from tests.loyalty.accounts.ledgers import COPY_ENTRIES, Ledger, check, parameters
from tests.loyalty.conftest import funded_member, ledger_of
from tests.stack import Stack


async def test_the_service_role_may_not_update_delete_or_truncate_the_ledger(
    loyalty_sessions: Sessions,
) -> None:
    member_id = await funded_member(loyalty_sessions, 10_000)
    for statement in (
        "UPDATE loyalty.ledger_entries SET points = 1 WHERE source_type = 'purchase'",
        "DELETE FROM loyalty.ledger_entries WHERE source_type = 'purchase'",
        "TRUNCATE loyalty.ledger_entries",
    ):
        with pytest.raises(DBAPIError, match="permission denied for table ledger_entries"):
            async with transaction(loyalty_sessions) as session:
                await session.execute(text(statement))
    assert [e.points for e in await ledger_of(loyalty_sessions, member_id)] == [100]


async def test_the_append_only_trigger_still_stops_the_superuser(
    stack: Stack, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 10_000)
    [entry] = await ledger_of(loyalty_sessions, member_id)
    engine = create_async_engine(stack.admin_url)
    try:
        for statement in (
            "UPDATE loyalty.ledger_entries SET points = 1 WHERE id = :entry",
            "DELETE FROM loyalty.ledger_entries WHERE id = :entry",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                async with engine.begin() as connection:
                    await connection.execute(text(statement), {"entry": entry.id})
    finally:
        await engine.dispose()
    assert [e.points for e in await ledger_of(loyalty_sessions, member_id)] == [100]


_ENTRY = (
    "INSERT INTO loyalty.ledger_entries (id, account_id, source_type, source_id, points, "
    "balance_after, shortfall, created_at) VALUES (gen_random_uuid(), {account}, {source}, "
    "{source_id}, {points}, {balance}, 0, now())"
)

REFUSED: dict[str, tuple[str, str]] = {
    # name: (statement as the service role, the constraint that refuses it)
    "a second earn entry for a purchase": (
        _ENTRY.format(
            account=":account", source="'purchase'", source_id=":purchase", points=100, balance=1150
        ),
        "ux_ledger_entries_source",
    ),
    "a negative balance": (
        "UPDATE loyalty.accounts SET balance = -1 WHERE account_id = :account",
        "ck_accounts_balance",
    ),
    "a balance past the limit": (
        f"UPDATE loyalty.accounts SET balance = {2**53} WHERE account_id = :account",
        "ck_accounts_balance_limit",
    ),
    "a second reversal of a return": (
        COPY_ENTRIES.format(source="return"),
        "ux_ledger_entries_source",
    ),
    "an entry naming no source": (
        _ENTRY.format(
            account=":account", source="'purchase'", source_id="NULL", points=0, balance=1050
        ),
        "source_id",
    ),
    "a redemption that adds points": (
        _ENTRY.format(
            account=":account",
            source="'redemption'",
            source_id="gen_random_uuid()",
            points=5,
            balance=1055,
        ),
        "ck_ledger_entries_source",
    ),
    "a void that adds points": (
        _ENTRY.format(
            account=":account",
            source="'void'",
            source_id="gen_random_uuid()",
            points=5,
            balance=1055,
        ),
        "ck_ledger_entries_source",
    ),
    "an entry of an unknown kind of source": (
        _ENTRY.format(
            account=":account",
            source="'gift'",
            source_id="gen_random_uuid()",
            points=5,
            balance=1055,
        ),
        "ck_ledger_entries_source",
    ),
    "an entry of no account": (
        _ENTRY.format(
            account="gen_random_uuid()",
            source="'redemption'",
            source_id="gen_random_uuid()",
            points=-1,
            balance=0,
        ),
        "fk_ledger_entries_account",
    ),
    "a lot keeping more than it was given": (
        "UPDATE loyalty.point_lots SET remaining = points + 1 WHERE account_id = :account",
        "ck_point_lots_remaining",
    ),
    "a member owning a second account": (
        "WITH opened AS (INSERT INTO loyalty.accounts (account_id, balance, version, created_at, "
        "updated_at) VALUES (gen_random_uuid(), 0, 1, now(), now()) RETURNING account_id) "
        "INSERT INTO loyalty.account_holders (account_id, member_id, role, since) "
        "SELECT account_id, :member, 'owner', now() FROM opened",
        "ux_account_holders_one_owned_account",
    ),
}


@pytest.mark.parametrize("name", list(REFUSED))
async def test_the_database_refuses(name: str, ledger: Ledger, loyalty_sessions: Sessions) -> None:
    statement, constraint = REFUSED[name]
    with pytest.raises(IntegrityError, match=constraint):
        async with transaction(loyalty_sessions) as session:
            await session.execute(text(statement), parameters(statement, ledger))
    assert (await check(loyalty_sessions, ledger.member_id)).ok
    assert len(await ledger_of(loyalty_sessions, ledger.member_id)) == 2
