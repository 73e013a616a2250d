"""The ledger's invariants: held by the database, and checked by ``check_ledger_invariants``.

Corruption is done as the superuser in a transaction that is always rolled back (with
triggers and foreign keys off, and constraints dropped where needed), so the shared test
database stays healthy for every other test.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiokafka import ConsumerRecord
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlmodel import col

from services.loyalty import service
from services.loyalty.invariants import (
    Invariant,
    LedgerReport,
    check_ledger_invariants,
    rule_points,
)
from services.loyalty.models import Purchase
from services.loyalty.schemas import RedemptionIn
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.testing.records import consumer_record
from tests.loyalty.conftest import (
    event_consumer,
    funded_member,
    handle,
    ledger_of,
    purchase_event,
    return_event,
)
from tests.stack import Stack


def _record(event: CloudEvent, offset: int) -> ConsumerRecord[bytes, bytes]:
    return consumer_record(event, offset=offset)


def _purchase_id(event: CloudEvent) -> uuid.UUID:
    return uuid.UUID(event.data["purchase_id"])


async def _check(sessions: Sessions, *members: uuid.UUID) -> LedgerReport:
    async with sessions() as session:
        return await check_ledger_invariants(session, members=members)


async def test_a_healthy_ledger_after_real_traffic_reports_nothing(
    loyalty_sessions: Sessions,
) -> None:
    consumer = event_consumer(loyalty_sessions)
    promoted, spender = uuid.uuid4(), uuid.uuid4()
    big = purchase_event(promoted, 150_000)  # standard → vip, 1,500 points
    small = purchase_event(promoted, 10_000)  # at vip ×1.2: 120 points
    sale = purchase_event(spender, 30_000)  # 300 points
    # redelivered events and the same purchase under a new event id change nothing
    same_sale = purchase_event(spender, 30_000, _purchase_id(sale))
    await consumer.apply([_record(big, 1), _record(big, 1), _record(small, 2), _record(sale, 3)])
    await consumer.apply([_record(sale, 3), _record(same_sale, 4)])
    async with transaction(loyalty_sessions) as session:
        await service.redeem(session, spender, RedemptionIn(points=250, reason="毛巾 (towel)"))
    partial = return_event(promoted, _purchase_id(big), 45_000, 150_000)  # 450 back
    whole = return_event(spender, _purchase_id(sale), 30_000, 30_000)  # 50 back, 250 spent
    await consumer.apply([_record(partial, 5), _record(whole, 6), _record(partial, 5)])

    report = await _check(loyalty_sessions, promoted, spender)
    assert report.ok, str(report)
    assert (report.accounts, report.entries, report.purchases) == (2, 6, 3)
    assert report.points_earned == report.points_by_rules == 1_500 + 120 + 300
    assert report.unrated_purchases == 0
    [shortfall] = [e for e in await ledger_of(loyalty_sessions, spender) if e.kind == "reverse"]
    assert (shortfall.points, shortfall.shortfall) == (-50, 250)
    async with loyalty_sessions() as session:
        tiers = await session.scalars(
            select(col(Purchase.tier_code))
            .where(col(Purchase.member_id) == promoted)
            .order_by(col(Purchase.created_at))
        )
        assert list(tiers) == ["standard", "vip"]  # the tier each purchase earned at


async def test_purchases_are_checked_against_the_rules_given(loyalty_sessions: Sessions) -> None:
    member_id = uuid.uuid4()
    sales = [purchase_event(member_id, 150_000), purchase_event(member_id, 10_000)]
    for sale in sales:
        await handle(loyalty_sessions, sale)
    async with loyalty_sessions() as session:
        report = await check_ledger_invariants(
            session,
            members=[member_id],
            earning_rule_points=rule_points(2, {"vip": 150}),  # not the program in force
        )
    assert report.points_earned == 1_500 + 120
    assert report.points_by_rules == 3_000 + 300
    assert {v.invariant for v in report.violations} == {Invariant.EARNED_BY_RULES}
    assert [v.subject for v in report.violations] == [_purchase_id(sale) for sale in sales]
    first = str(report.violations[0])
    assert "(150000 fen at tier standard) earned 1500" in first
    assert "the rules give 3000" in first


# --- corruption, as the superuser, always rolled back -------------------------------------


@dataclass(frozen=True)
class Ledger:
    member_id: uuid.UUID
    purchase_id: uuid.UUID
    return_id: uuid.UUID


@contextlib.asynccontextmanager
async def _tampering(stack: Stack) -> AsyncIterator[AsyncSession]:
    """A superuser transaction with triggers (the append-only one, foreign keys) off."""
    engine = create_async_engine(stack.admin_url)
    try:
        async with AsyncSession(engine) as session:
            await session.execute(text("SET LOCAL session_replication_role = replica"))
            try:
                yield session
            finally:
                await session.rollback()
    finally:
        await engine.dispose()


@pytest.fixture
async def ledger(loyalty_sessions: Sessions) -> Ledger:
    """A member who bought for ¥1,500 (1,500 points) and returned ¥450 of it (450 back)."""
    member_id = uuid.uuid4()
    sale = purchase_event(member_id, 150_000)
    returned = return_event(member_id, _purchase_id(sale), 45_000, 150_000)
    await handle(loyalty_sessions, sale)
    await handle(loyalty_sessions, returned)
    return Ledger(member_id, _purchase_id(sale), uuid.UUID(returned.data["return_id"]))


_COPY = (
    "INSERT INTO loyalty.ledger_entries (id, member_id, kind, points, balance_after, "
    "shortfall, purchase_id, return_id, created_at) SELECT gen_random_uuid(), member_id, "
    "kind, points, balance_after, shortfall, purchase_id, return_id, now() "
    "FROM loyalty.ledger_entries WHERE purchase_id = :purchase AND kind = '{kind}'"
)


@dataclass(frozen=True)
class Corruption:
    statements: tuple[str, ...]
    broken: frozenset[Invariant]
    """Every invariant the corruption breaks, and so the whole report."""
    named: Invariant
    subject: str | None
    """Whose id the ``named`` violation carries; None for an id the ledger never had."""


CORRUPTIONS = {
    "cached balance drifts": Corruption(
        ("UPDATE loyalty.accounts SET balance = balance + 7 WHERE member_id = :member",),
        frozenset({Invariant.BALANCE}),
        Invariant.BALANCE,
        "member",
    ),
    "balance below zero": Corruption(
        (
            "ALTER TABLE loyalty.accounts DROP CONSTRAINT ck_accounts_balance",
            "UPDATE loyalty.accounts SET balance = -5 WHERE member_id = :member",
        ),
        frozenset({Invariant.NEGATIVE_BALANCE, Invariant.BALANCE}),
        Invariant.NEGATIVE_BALANCE,
        "member",
    ),
    "entries without an account": Corruption(
        ("DELETE FROM loyalty.accounts WHERE member_id = :member",),
        frozenset({Invariant.BALANCE}),
        Invariant.BALANCE,
        "member",
    ),
    "an entry's balance_after is off": Corruption(
        (
            "UPDATE loyalty.ledger_entries SET balance_after = balance_after + 1 "
            "WHERE purchase_id = :purchase AND kind = 'earn'",
        ),
        frozenset({Invariant.RUNNING_BALANCE}),
        Invariant.RUNNING_BALANCE,
        "member",
    ),
    "the earn entry is lost": Corruption(
        ("DELETE FROM loyalty.ledger_entries WHERE purchase_id = :purchase AND kind = 'earn'",),
        frozenset({Invariant.ONE_EARN_PER_PURCHASE, Invariant.BALANCE, Invariant.RUNNING_BALANCE}),
        Invariant.ONE_EARN_PER_PURCHASE,
        "purchase",
    ),
    "the purchase earns twice": Corruption(
        ("DROP INDEX loyalty.ux_ledger_entries_one_earn_per_purchase", _COPY.format(kind="earn")),
        frozenset({Invariant.ONE_EARN_PER_PURCHASE, Invariant.BALANCE, Invariant.RUNNING_BALANCE}),
        Invariant.ONE_EARN_PER_PURCHASE,
        "purchase",
    ),
    "an earn entry for a purchase loyalty never accepted": Corruption(
        (
            "INSERT INTO loyalty.ledger_entries (id, member_id, kind, points, balance_after, "
            "shortfall, purchase_id, created_at) SELECT gen_random_uuid(), member_id, 'earn', "
            "0, balance, 0, gen_random_uuid(), now() FROM loyalty.accounts "
            "WHERE member_id = :member",
        ),
        frozenset({Invariant.ONE_EARN_PER_PURCHASE}),
        Invariant.ONE_EARN_PER_PURCHASE,
        None,
    ),
    "the return is reversed twice": Corruption(
        (
            "ALTER TABLE loyalty.ledger_entries DROP CONSTRAINT ledger_entries_return_id_key",
            _COPY.format(kind="reverse"),
        ),
        frozenset(
            {
                Invariant.ONE_REVERSAL_PER_RETURN,
                Invariant.REVERSED_AS_RECORDED,
                Invariant.BALANCE,
                Invariant.RUNNING_BALANCE,
            }
        ),
        Invariant.ONE_REVERSAL_PER_RETURN,
        "return",
    ),
    "the purchase's reversals drift from its record": Corruption(
        (
            "UPDATE loyalty.purchases SET points_reversed = points_reversed + 1 "
            "WHERE purchase_id = :purchase",
        ),
        frozenset({Invariant.REVERSED_AS_RECORDED}),
        Invariant.REVERSED_AS_RECORDED,
        "purchase",
    ),
    "points not what the rules give": Corruption(
        ("UPDATE loyalty.purchases SET total_fen = 300000 WHERE purchase_id = :purchase",),
        frozenset({Invariant.EARNED_BY_RULES}),
        Invariant.EARNED_BY_RULES,
        "purchase",
    ),
}


@pytest.mark.parametrize("name", list(CORRUPTIONS))
async def test_each_kind_of_corruption_is_reported(name: str, stack: Stack, ledger: Ledger) -> None:
    corruption = CORRUPTIONS[name]
    ids = {"member": ledger.member_id, "purchase": ledger.purchase_id, "return": ledger.return_id}
    async with _tampering(stack) as session:
        assert (await check_ledger_invariants(session, members=[ledger.member_id])).ok
        for statement in corruption.statements:
            await session.execute(
                text(statement), {"member": ledger.member_id, "purchase": ledger.purchase_id}
            )
        report = await check_ledger_invariants(session, members=[ledger.member_id])
        everywhere = await check_ledger_invariants(session)

    assert {v.invariant for v in report.violations} == corruption.broken, str(report)
    assert all(len(report.of(invariant)) == 1 for invariant in corruption.broken), str(report)
    [named] = report.of(corruption.named)
    if corruption.subject is None:
        assert named.subject not in ids.values()
    else:
        assert named.subject == ids[corruption.subject]
    assert set(report.violations) <= set(everywhere.violations)


# --- what the database itself refuses ---------------------------------------------------


async def test_the_service_role_may_not_update_delete_or_truncate_the_ledger(
    loyalty_sessions: Sessions,
) -> None:
    member_id = await funded_member(loyalty_sessions, 10_000)
    for statement in (
        "UPDATE loyalty.ledger_entries SET points = 1 WHERE member_id = :member",
        "DELETE FROM loyalty.ledger_entries WHERE member_id = :member",
        "TRUNCATE loyalty.ledger_entries",
    ):
        with pytest.raises(DBAPIError, match="permission denied for table ledger_entries"):
            async with transaction(loyalty_sessions) as session:
                await session.execute(text(statement), {"member": member_id})
    assert [e.points for e in await ledger_of(loyalty_sessions, member_id)] == [100]


async def test_the_append_only_trigger_still_stops_the_superuser(
    stack: Stack, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 10_000)
    engine = create_async_engine(stack.admin_url)
    try:
        for statement in (
            "UPDATE loyalty.ledger_entries SET points = 1 WHERE member_id = :member",
            "DELETE FROM loyalty.ledger_entries WHERE member_id = :member",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                async with engine.begin() as connection:
                    await connection.execute(text(statement), {"member": member_id})
    finally:
        await engine.dispose()
    assert [e.points for e in await ledger_of(loyalty_sessions, member_id)] == [100]


REFUSED: dict[str, tuple[str, str]] = {
    # name: (statement as the service role, the constraint that refuses it)
    "a second earn entry for a purchase": (
        "INSERT INTO loyalty.ledger_entries (id, member_id, kind, points, balance_after, "
        "shortfall, purchase_id, created_at) VALUES (gen_random_uuid(), :member, 'earn', 100, "
        "200, 0, :purchase, now())",
        "ux_ledger_entries_one_earn_per_purchase",
    ),
    "a negative balance": (
        "UPDATE loyalty.accounts SET balance = -1 WHERE member_id = :member",
        "ck_accounts_balance",
    ),
    "a second reversal of a return": (
        "INSERT INTO loyalty.ledger_entries (id, member_id, kind, points, balance_after, "
        "shortfall, purchase_id, return_id, created_at) SELECT gen_random_uuid(), member_id, "
        "kind, points, balance_after, shortfall, purchase_id, return_id, now() "
        "FROM loyalty.ledger_entries WHERE purchase_id = :purchase AND kind = 'reverse'",
        "ledger_entries_return_id_key",
    ),
    "an earn entry for a purchase loyalty never accepted": (
        "INSERT INTO loyalty.ledger_entries (id, member_id, kind, points, balance_after, "
        "shortfall, purchase_id, created_at) VALUES (gen_random_uuid(), :member, 'earn', 0, "
        "1050, 0, gen_random_uuid(), now())",
        "fk_ledger_entries_purchase",
    ),
    "an earn entry naming no purchase": (
        "INSERT INTO loyalty.ledger_entries (id, member_id, kind, points, balance_after, "
        "shortfall, created_at) VALUES (gen_random_uuid(), :member, 'earn', 0, 1050, 0, now())",
        "ck_ledger_entries_earn",
    ),
    "a redemption that adds points": (
        "INSERT INTO loyalty.ledger_entries (id, member_id, kind, points, balance_after, "
        "shortfall, redemption_id, created_at) VALUES (gen_random_uuid(), :member, 'redeem', "
        "5, 1055, 0, gen_random_uuid(), now())",
        "ck_ledger_entries_redeem",
    ),
    "an entry of a member without an account": (
        "INSERT INTO loyalty.ledger_entries (id, member_id, kind, points, balance_after, "
        "shortfall, redemption_id, created_at) VALUES (gen_random_uuid(), gen_random_uuid(), "
        "'redeem', -1, 0, 0, gen_random_uuid(), now())",
        "fk_ledger_entries_account",
    ),
}


@pytest.mark.parametrize("name", list(REFUSED))
async def test_the_database_refuses(name: str, ledger: Ledger, loyalty_sessions: Sessions) -> None:
    statement, constraint = REFUSED[name]
    with pytest.raises(IntegrityError, match=constraint):
        async with transaction(loyalty_sessions) as session:
            await session.execute(
                text(statement), {"member": ledger.member_id, "purchase": ledger.purchase_id}
            )
    assert (await _check(loyalty_sessions, ledger.member_id)).ok
    assert len(await ledger_of(loyalty_sessions, ledger.member_id)) == 2
