"""The ledger's invariants, checked by ``check_ledger_invariants`` (the database's own
refusals are in test_constraints).

Corruption is done as the superuser in a transaction that is always rolled back (with
triggers and foreign keys off, and constraints dropped where needed), so the shared test
database stays healthy for every other test.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from aiokafka import ConsumerRecord
from sqlalchemy import text

from services.loyalty.points.invariants import (
    Invariant,
    check_ledger_invariants,
)
from services.loyalty.redemption.schemas import RedemptionIn
from services.loyalty.redemption.service import redeem
from services.loyalty.rules.domain import RuleSet
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.testing.records import consumer_record
from tests.loyalty.accounts.ledgers import COPY_ENTRIES, Ledger, check, parameters, tampering
from tests.loyalty.conftest import (
    event_consumer,
    handle,
    ledger_of,
    purchase_event,
    purchase_id_of,
    return_event,
)
from tests.stack import Stack


def _record(event: CloudEvent, offset: int) -> ConsumerRecord[bytes, bytes]:
    return consumer_record(event, offset=offset)


async def test_a_healthy_ledger_after_real_traffic_reports_nothing(
    loyalty_sessions: Sessions,
) -> None:
    consumer = event_consumer(loyalty_sessions)
    promoted, spender = uuid.uuid4(), uuid.uuid4()
    big = purchase_event(promoted, 150_000)  # standard → vip, 1,500 points
    small = purchase_event(promoted, 10_000)  # at vip ×1.2: 120 points
    sale = purchase_event(spender, 30_000)  # 300 points
    # redelivered events and the same purchase under a new event id change nothing
    same_sale = purchase_event(spender, 30_000, purchase_id_of(sale))
    await consumer.apply([_record(big, 1), _record(big, 1), _record(small, 2), _record(sale, 3)])
    await consumer.apply([_record(sale, 3), _record(same_sale, 4)])
    async with transaction(loyalty_sessions) as session:
        await redeem(session, spender, RedemptionIn(points=250, reason="毛巾 (towel)"))
    partial = return_event(promoted, purchase_id_of(big), 45_000, 150_000)  # 450 back
    whole = return_event(spender, purchase_id_of(sale), 30_000, 30_000)  # 50 back, 250 spent
    await consumer.apply([_record(partial, 5), _record(whole, 6), _record(partial, 5)])

    report = await check(loyalty_sessions, promoted, spender)
    assert report.ok, str(report)
    assert (report.accounts, report.entries, report.purchases) == (2, 6, 3)
    assert report.points_earned == report.points_by_rules == 1_500 + 120 + 300
    assert report.unrated_purchases == 0
    [shortfall] = [e for e in await ledger_of(loyalty_sessions, spender) if e.kind == "reverse"]
    assert (shortfall.points, shortfall.shortfall) == (-50, 250)


async def test_purchases_are_checked_against_the_rules_given(loyalty_sessions: Sessions) -> None:
    member_id = uuid.uuid4()
    sales = [purchase_event(member_id, 150_000), purchase_event(member_id, 10_000)]
    for sale in sales:
        await handle(loyalty_sessions, sale)
    async with loyalty_sessions() as session:
        report = await check_ledger_invariants(
            session,
            members=[member_id],
            rules_instead=RuleSet(2, tier_multipliers={"vip": 150}),  # not the program in force
        )
    assert report.points_earned == 1_500 + 120
    assert report.points_by_rules == 3_000 + 300
    assert {v.invariant for v in report.violations} == {Invariant.EARNED_BY_RULES}
    assert [v.subject for v in report.violations] == [purchase_id_of(sale) for sale in sales]
    first = str(report.violations[0])
    assert "(150000 fen at tier standard) earned 1500" in first
    assert "the rules give 3000" in first


# --- corruption, as the superuser, always rolled back -------------------------------------


_PURCHASE_ENTRY = "source_type = 'purchase' AND source_id = :purchase"


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
        ("UPDATE loyalty.accounts SET balance = balance + 7 WHERE account_id = :account",),
        frozenset({Invariant.BALANCE, Invariant.LOTS}),
        Invariant.BALANCE,
        "account",
    ),
    "balance below zero": Corruption(
        (
            "ALTER TABLE loyalty.accounts DROP CONSTRAINT ck_accounts_balance",
            "UPDATE loyalty.accounts SET balance = -5 WHERE account_id = :account",
        ),
        frozenset({Invariant.NEGATIVE_BALANCE, Invariant.BALANCE, Invariant.LOTS}),
        Invariant.NEGATIVE_BALANCE,
        "account",
    ),
    "entries without an account": Corruption(
        ("DELETE FROM loyalty.accounts WHERE account_id = :account",),
        frozenset({Invariant.BALANCE}),
        Invariant.BALANCE,
        "account",
    ),
    "an entry's balance_after is off": Corruption(
        (
            "UPDATE loyalty.ledger_entries SET balance_after = balance_after + 1 "
            f"WHERE {_PURCHASE_ENTRY}",
        ),
        frozenset({Invariant.RUNNING_BALANCE}),
        Invariant.RUNNING_BALANCE,
        "account",
    ),
    "the lots drift from the balance": Corruption(
        ("UPDATE loyalty.point_lots SET remaining = remaining - 1 WHERE account_id = :account",),
        frozenset({Invariant.LOTS}),
        Invariant.LOTS,
        "account",
    ),
    "a debit's draws say it took more than it did": Corruption(
        (
            "UPDATE loyalty.lot_draws SET points = points + 1 WHERE lot_id IN "
            "(SELECT lot_id FROM loyalty.point_lots WHERE account_id = :account)",
        ),
        frozenset({Invariant.LOTS}),
        Invariant.LOTS,
        "account",
    ),
    "a credit's lots hold more than it gave": Corruption(
        (
            "INSERT INTO loyalty.point_lots (lot_id, account_id, entry_id, points, remaining, "
            "earned_at, available_at) SELECT gen_random_uuid(), account_id, id, 1, 0, now(), "
            f"now() FROM loyalty.ledger_entries WHERE {_PURCHASE_ENTRY}",
        ),
        frozenset({Invariant.LOTS}),
        Invariant.LOTS,
        "account",
    ),
    "the earn entry is lost": Corruption(
        (f"DELETE FROM loyalty.ledger_entries WHERE {_PURCHASE_ENTRY}",),
        frozenset(
            {
                Invariant.ONE_EARN_PER_PURCHASE,
                Invariant.BALANCE,
                Invariant.RUNNING_BALANCE,
                Invariant.LOTS,
            }
        ),
        Invariant.ONE_EARN_PER_PURCHASE,
        "purchase",
    ),
    "the purchase earns twice": Corruption(
        ("DROP INDEX loyalty.ux_ledger_entries_source", COPY_ENTRIES.format(source="purchase")),
        frozenset({Invariant.ONE_EARN_PER_PURCHASE, Invariant.BALANCE, Invariant.RUNNING_BALANCE}),
        Invariant.ONE_EARN_PER_PURCHASE,
        "purchase",
    ),
    "an earn entry for a purchase loyalty never accepted": Corruption(
        (
            "INSERT INTO loyalty.ledger_entries (id, account_id, source_type, source_id, points, "
            "balance_after, shortfall, created_at) SELECT gen_random_uuid(), account_id, "
            "'purchase', gen_random_uuid(), 0, balance, 0, now() FROM loyalty.accounts "
            "WHERE account_id = :account",
        ),
        frozenset({Invariant.ONE_EARN_PER_PURCHASE}),
        Invariant.ONE_EARN_PER_PURCHASE,
        None,
    ),
    "the return is reversed twice": Corruption(
        ("DROP INDEX loyalty.ux_ledger_entries_source", COPY_ENTRIES.format(source="return")),
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
    "a reversal of a return loyalty never recorded": Corruption(
        ("DELETE FROM loyalty.returns WHERE return_id = :return",),
        frozenset({Invariant.ONE_REVERSAL_PER_RETURN, Invariant.REVERSED_AS_RECORDED}),
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
    "a kept line not what was sold": Corruption(
        (
            "UPDATE loyalty.purchases SET lines = jsonb_set(lines, '{0,amount_fen}', '300000') "
            "WHERE purchase_id = :purchase",
        ),
        frozenset({Invariant.EARNED_BY_RULES}),
        Invariant.EARNED_BY_RULES,
        "purchase",
    ),
    "a breakdown that does not add up": Corruption(
        (
            'UPDATE loyalty.purchases SET breakdown = \'[{"rule": "base", "points": 1}]\' '
            "WHERE purchase_id = :purchase",
        ),
        frozenset({Invariant.EARNED_BY_RULES}),
        Invariant.EARNED_BY_RULES,
        "purchase",
    ),
    "points not what the rules give": Corruption(
        ("UPDATE loyalty.purchases SET total_fen = 300000 WHERE purchase_id = :purchase",),
        frozenset({Invariant.EARNED_BY_RULES, Invariant.QUALIFIED_AS_PURCHASED}),
        Invariant.EARNED_BY_RULES,
        "purchase",
    ),
    "a purchase lost from tier qualification": Corruption(
        ("DELETE FROM loyalty.qualifying_purchases WHERE purchase_id = :purchase",),
        frozenset({Invariant.QUALIFIED_AS_PURCHASED, Invariant.STANDING}),
        Invariant.QUALIFIED_AS_PURCHASED,
        "purchase",
    ),
    "a refund not counted against qualification": Corruption(
        ("UPDATE loyalty.qualifying_purchases SET returned_fen = 0 WHERE purchase_id = :purchase",),
        frozenset({Invariant.QUALIFIED_AS_PURCHASED, Invariant.STANDING}),
        Invariant.QUALIFIED_AS_PURCHASED,
        "purchase",
    ),
    "the lifetime spend drifts": Corruption(
        (
            "UPDATE loyalty.tier_standings SET qualifying_spend_fen = qualifying_spend_fen + 1 "
            "WHERE member_id = :member",
        ),
        frozenset({Invariant.STANDING}),
        Invariant.STANDING,
        "member",
    ),
    "a review under the lifetime policy": Corruption(
        ("UPDATE loyalty.tier_standings SET review_at = now() WHERE member_id = :member",),
        frozenset({Invariant.STANDING}),
        Invariant.STANDING,
        "member",
    ),
    "a tier off the ladder": Corruption(
        ("UPDATE loyalty.tier_standings SET tier_code = 'gold' WHERE member_id = :member",),
        frozenset({Invariant.STANDING}),
        Invariant.STANDING,
        "member",
    ),
}


@pytest.mark.parametrize("name", list(CORRUPTIONS))
async def test_each_kind_of_corruption_is_reported(name: str, stack: Stack, ledger: Ledger) -> None:
    corruption = CORRUPTIONS[name]
    ids = ledger.ids
    async with tampering(stack) as session:
        assert (await check_ledger_invariants(session, members=[ledger.member_id])).ok
        for statement in corruption.statements:
            await session.execute(text(statement), parameters(statement, ledger))
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
