"""A loyalty database of the previous release upgrades to accounts, holders, sources and lots.

The test makes a scratch database (the shared test database is at head already), migrates
its loyalty schema to the previous release's head revision, writes rows the way that
release wrote them (plain SQL: its models are gone), upgrades to head and checks that every
balance, ledger entry, purchase and tier came through, that the result passes the ledger's
invariants and takes new movements; then downgrades and finds the rows as they were.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from services.loyalty.points.invariants import check_ledger_invariants
from services.loyalty.redemption.schemas import RedemptionIn
from services.loyalty.redemption.service import redeem
from shared.db import Sessions, create_sessions, transaction
from tests.loyalty.conftest import handlers, purchase_event
from tests.stack import Stack, migrate

PREVIOUS_HEAD = "b8d4e2f6a1c9"
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Scratch:
    url: str
    """The loyalty role's URL on the scratch database."""
    sessions: Sessions


@pytest.fixture
async def scratch(stack: Stack) -> AsyncIterator[Scratch]:
    async with stack.scratch_database("loyalty", PREVIOUS_HEAD) as url:
        engine = create_async_engine(url)
        try:
            yield Scratch(url, create_sessions(engine))
        finally:
            await engine.dispose()


@dataclass(frozen=True)
class Release:
    """The rows written as the previous release wrote them."""

    buyer: uuid.UUID
    """On vip: bought 150,000 fen (1,500 points), returned 45,000 (450 back), redeemed 50."""
    newcomer: uuid.UUID
    """Registered, never bought."""
    spender: uuid.UUID
    """Earned 300 points and redeemed them all."""
    purchase: uuid.UUID
    returned: uuid.UUID
    redemption: uuid.UUID


PREVIOUS_RELEASE_ROWS = """
INSERT INTO loyalty.tiers (code, name, threshold_fen) VALUES ('vip', 'VIP贵宾', 100000);
INSERT INTO loyalty.accounts (member_id, tier_code, balance, qualifying_spend_fen, version,
                              created_at, updated_at)
VALUES (:buyer, 'vip', 1000, 105000, 4, :t0, :t0),
       (:newcomer, 'standard', 0, 0, 1, :t0, :t0),
       (:spender, 'standard', 0, 30000, 3, :t0, :t0);
INSERT INTO loyalty.purchases (purchase_id, member_id, total_fen, tier_code, points_earned,
                               points_reversed, returned_fen, created_at)
VALUES (:purchase, :buyer, 150000, 'standard', 1500, 450, 45000, :t0),
       (:spent_purchase, :spender, 30000, 'standard', 300, 0, 0, :t0);
INSERT INTO loyalty.ledger_entries (id, member_id, kind, points, balance_after, shortfall,
                                    purchase_id, return_id, redemption_id, event_id, reason,
                                    created_at)
VALUES (gen_random_uuid(), :buyer, 'earn', 1500, 1500, 0, :purchase, NULL, NULL, 'e1', NULL,
        :t0),
       (gen_random_uuid(), :buyer, 'reverse', -450, 1050, 0, :purchase, :returned, NULL, 'e2',
        NULL, :t0 + interval '1 minute'),
       (gen_random_uuid(), :buyer, 'redeem', -50, 1000, 0, NULL, NULL, :redemption, NULL, '毛巾',
        :t0 + interval '2 minutes'),
       (gen_random_uuid(), :spender, 'earn', 300, 300, 0, :spent_purchase, NULL, NULL, 'e3', NULL,
        :t0 + interval '3 minutes'),
       (gen_random_uuid(), :spender, 'redeem', -300, 0, 0, NULL, NULL, :spent_redemption, NULL,
        '耳机', :t0 + interval '4 minutes')
"""


async def _previous_release(sessions: Sessions) -> Release:
    release = Release(*(uuid.uuid4() for _ in range(6)))
    parameters = vars(release) | {
        "spent_purchase": uuid.uuid4(),
        "spent_redemption": uuid.uuid4(),
        "t0": T0,
    }
    async with transaction(sessions) as session:
        for statement in PREVIOUS_RELEASE_ROWS.split(";"):
            names = [name for name in parameters if f":{name}" in statement]
            await session.execute(text(statement), {name: parameters[name] for name in names})
    return release


async def _rows(sessions: Sessions, query: str, **parameters: Any) -> list[Any]:
    async with sessions() as session:
        return list((await session.execute(text(query), parameters)).all())


async def test_the_previous_release_upgrades_with_all_its_data(scratch: Scratch) -> None:
    release = await _previous_release(scratch.sessions)
    before = await _rows(
        scratch.sessions,
        "SELECT member_id, kind, points, balance_after, purchase_id, return_id, "
        "redemption_id, event_id, reason, seq FROM loyalty.ledger_entries ORDER BY seq",
    )
    await migrate("loyalty", scratch.url, "head")

    holders = dict(
        await _rows(
            scratch.sessions,
            "SELECT member_id, account_id FROM loyalty.account_holders WHERE role = 'owner'",
        )
    )
    assert set(holders) == {release.buyer, release.newcomer, release.spender}
    accounts = dict(
        await _rows(scratch.sessions, "SELECT account_id, balance FROM loyalty.accounts")
    )
    assert {m: accounts[a] for m, a in holders.items()} == {
        release.buyer: 1_000,
        release.newcomer: 0,
        release.spender: 0,
    }
    standings = await _rows(
        scratch.sessions,
        "SELECT member_id, tier_code, qualifying_spend_fen FROM loyalty.tier_standings",
    )
    assert sorted(standings) == sorted(
        [
            (release.buyer, "vip", 105_000),
            (release.newcomer, "standard", 0),
            (release.spender, "standard", 30_000),
        ]
    )

    entries = await _rows(
        scratch.sessions,
        "SELECT account_id, source_type, source_id, points, balance_after, event_id, reason, "
        "seq FROM loyalty.ledger_entries ORDER BY seq",
    )
    sources = {"earn": "purchase", "reverse": "return", "redeem": "redemption"}
    assert entries == [
        (
            holders[old.member_id],
            sources[old.kind],
            old.purchase_id if old.kind == "earn" else old.return_id or old.redemption_id,
            old.points,
            old.balance_after,
            old.event_id,
            old.reason,
            old.seq,
        )
        for old in before
    ]
    assert await _rows(scratch.sessions, "SELECT return_id, purchase_id FROM loyalty.returns") == [
        (release.returned, release.purchase)
    ]
    assert await _rows(
        scratch.sessions,
        "SELECT account_id FROM loyalty.purchases WHERE purchase_id = :p",
        p=release.purchase,
    ) == [(holders[release.buyer],)]

    # one opening lot per positive balance, earned with the account's last entry, never expiring
    assert await _rows(
        scratch.sessions,
        "SELECT account_id, entry_id, points, remaining, earned_at, expires_at "
        "FROM loyalty.point_lots",
    ) == [(holders[release.buyer], None, 1_000, 1_000, T0 + timedelta(minutes=2), None)]

    opened = await _rows(
        scratch.sessions,
        "SELECT key, envelope FROM loyalty.outbox WHERE event_type = 'loyalty.account.opened' "
        "AND published_at IS NULL",
    )
    assert sorted(
        (key, e["subject"], e["data"]["tier_code"], e["data"]["tier_name"]) for key, e in opened
    ) == sorted(
        [
            (str(release.buyer), str(holders[release.buyer]), "vip", "VIP贵宾"),
            (str(release.newcomer), str(holders[release.newcomer]), "standard", "普通会员"),
            (str(release.spender), str(holders[release.spender]), "standard", "普通会员"),
        ]
    )
    assert {e["data"]["opened_at"] for _, e in opened} == {"2026-03-01T08:00:00Z"}

    async with scratch.sessions() as session:
        report = await check_ledger_invariants(session)
    assert report.ok, str(report)
    assert (report.accounts, report.entries, report.purchases) == (3, 5, 2)


async def test_upgraded_accounts_take_new_movements(scratch: Scratch) -> None:
    release = await _previous_release(scratch.sessions)
    await migrate("loyalty", scratch.url, "head")
    event = purchase_event(release.buyer, 10_000)  # the default rule: 100 points
    async with transaction(scratch.sessions) as session:
        await handlers()[event.type](session, event)
        await redeem(session, release.buyer, RedemptionIn(points=1_050, reason="电饭煲"))
    lots = """
        SELECT l.points, l.remaining FROM loyalty.point_lots l
        JOIN loyalty.account_holders h USING (account_id) WHERE h.member_id = :m
        ORDER BY l.earned_at"""
    # the opening lot is the oldest, so it is spent first
    assert await _rows(scratch.sessions, lots, m=release.buyer) == [(1_000, 0), (100, 50)]
    async with scratch.sessions() as session:
        report = await check_ledger_invariants(session)
    assert report.ok, str(report)
    assert report.entries == 7


async def test_the_upgrade_downgrades_to_the_rows_it_started_from(scratch: Scratch) -> None:
    await _previous_release(scratch.sessions)
    queries = {
        "accounts": "SELECT member_id, tier_code, balance, qualifying_spend_fen "
        "FROM loyalty.accounts ORDER BY member_id",
        "ledger": "SELECT id, seq, member_id, kind, points, balance_after, shortfall, "
        "purchase_id, return_id, redemption_id, event_id, reason FROM loyalty.ledger_entries "
        "ORDER BY seq",
        "purchases": "SELECT * FROM loyalty.purchases ORDER BY purchase_id",
    }
    before = {name: await _rows(scratch.sessions, query) for name, query in queries.items()}
    await migrate("loyalty", scratch.url, "head")
    await migrate("loyalty", scratch.url, PREVIOUS_HEAD, down=True)
    after = {name: await _rows(scratch.sessions, query) for name, query in queries.items()}
    assert after == before
    refused = await _rows(
        scratch.sessions,
        "SELECT has_table_privilege('loyalty.ledger_entries', 'UPDATE'), "
        "has_table_privilege('loyalty.ledger_entries', 'INSERT')",
    )
    assert refused == [(False, True)]
