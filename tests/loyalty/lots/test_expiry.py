"""The daily expiry job over the real database: due lots expire once each, with ledger
entries and events; coming expiries are announced once per lot; a run killed in the
middle loses nothing and doubles nothing; the runner does each job once a brand's day."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from services.loyalty.base import job_runs
from services.loyalty.lots.jobs import announce_expiring, expire_due
from services.loyalty.redemption.schemas import RedemptionIn
from services.loyalty.redemption.service import redeem
from shared.db import Sessions, transaction
from shared.jobs import DailyJob, DailyJobs
from tests.loyalty.conftest import (
    SetPolicy,
    account_of,
    funded_member,
    handle,
    ledger_of,
    ledger_sound,
    published,
    purchase_event,
)
from tests.loyalty.households.conftest import household
from tests.stack import eventually

TWELVE_MONTHS = {"expiry": "months_after_earning", "expiry_months": 12}


async def _expiries(sessions: Sessions, member_id: uuid.UUID) -> list[datetime]:
    async with sessions() as session:
        rows = await session.execute(
            text(
                "SELECT l.expires_at FROM loyalty.point_lots l "
                "JOIN loyalty.account_holders h USING (account_id) "
                "WHERE h.member_id = :member ORDER BY l.earned_at"
            ),
            {"member": member_id},
        )
        return [row.expires_at for row in rows]


async def _member_with_lots(sessions: Sessions, *totals_fen: int) -> uuid.UUID:
    member_id = uuid.uuid4()
    for total in totals_fen:
        await handle(sessions, purchase_event(member_id, total))
    return member_id


async def test_due_lots_expire_once_with_an_entry_each_and_one_event(
    loyalty_sessions: Sessions, points_policy: SetPolicy
) -> None:
    before = await funded_member(loyalty_sessions, 10_000)  # earned before: never expires
    await points_policy(**TWELVE_MONTHS)
    member_id = await _member_with_lots(loyalty_sessions, 30_000, 50_000)
    await handle(loyalty_sessions, purchase_event(before, 20_000))
    expiries = await _expiries(loyalty_sessions, member_id)
    assert len(set(expiries)) == 1
    assert await _expiries(loyalty_sessions, before) == [None, expiries[0]]
    due = expiries[0]

    assert await expire_due(loyalty_sessions, due - timedelta(seconds=1)) >= 0
    assert [e.kind for e in await ledger_of(loyalty_sessions, member_id)] == ["earn", "earn"]
    assert await expire_due(loyalty_sessions, due) >= 3
    await expire_due(loyalty_sessions, due + timedelta(days=1))  # again: nothing is left

    entries = await ledger_of(loyalty_sessions, member_id)
    assert [(e.kind, e.points, e.balance_after) for e in entries] == [
        ("earn", 300, 300),
        ("earn", 500, 800),
        ("expire", -300, 500),  # the older lot first
        ("expire", -500, 0),
    ]
    assert all(e.source_type == "expiry" for e in entries[2:])
    [event] = await published(loyalty_sessions, member_id, "loyalty.points.expired")
    assert (event["points"], event["balance"]) == (800, 0)
    assert sorted(lot["points"] for lot in event["lots"]) == [300, 500]
    assert {lot["entry_id"] for lot in event["lots"]} == {str(e.id) for e in entries[2:]}
    kept = await account_of(loyalty_sessions, before)
    assert kept is not None
    assert kept.balance == 100  # the lot earned before the policy never expires
    assert await ledger_sound(loyalty_sessions, member_id, before) == ()


async def test_spent_points_leave_only_the_rest_to_expire(
    loyalty_sessions: Sessions, points_policy: SetPolicy
) -> None:
    await points_policy(**TWELVE_MONTHS)
    member_id = await _member_with_lots(loyalty_sessions, 30_000)
    async with transaction(loyalty_sessions) as session:
        await redeem(session, member_id, RedemptionIn(points=120, reason="gift"))
    [due] = await _expiries(loyalty_sessions, member_id)
    await expire_due(loyalty_sessions, due)
    last = (await ledger_of(loyalty_sessions, member_id))[-1]
    assert (last.kind, last.points, last.balance_after) == ("expire", -180, 0)
    assert await ledger_sound(loyalty_sessions, member_id) == ()


async def test_coming_expiries_are_announced_once_per_lot(
    loyalty_sessions: Sessions, points_policy: SetPolicy
) -> None:
    await points_policy(**TWELVE_MONTHS, expiring_notice_days=10)
    member_id = await _member_with_lots(loyalty_sessions, 30_000, 50_000)
    [due, _] = await _expiries(loyalty_sessions, member_id)

    await announce_expiring(loyalty_sessions, due - timedelta(days=11))
    assert await published(loyalty_sessions, member_id, "loyalty.points.expiring") == []
    await announce_expiring(loyalty_sessions, due - timedelta(days=10))
    await announce_expiring(loyalty_sessions, due - timedelta(days=3))
    [event] = await published(loyalty_sessions, member_id, "loyalty.points.expiring")
    assert event["points"] == 800
    last_day = (due - timedelta(days=1)).astimezone(UTC) + timedelta(hours=8)
    assert event["first_valid_through"] == last_day.date().isoformat()
    assert sorted(lot["points"] for lot in event["lots"]) == [300, 500]
    await expire_due(loyalty_sessions, due)  # leaves nothing of them for later tests


async def test_a_run_killed_midway_loses_nothing_and_doubles_nothing(
    loyalty_sessions: Sessions, points_policy: SetPolicy
) -> None:
    """The job is cancelled while it waits for an account another transaction holds, in
    the middle of its run; the next run finishes the job, and every lot expired once."""
    await points_policy(**TWELVE_MONTHS)
    members = [await _member_with_lots(loyalty_sessions, 10_000, 20_000) for _ in range(4)]
    held = {m: await account_of(loyalty_sessions, m) for m in members}
    ordered = sorted(members, key=lambda m: held[m].account_id)  # type: ignore[union-attr]
    [due, _] = await _expiries(loyalty_sessions, members[0])
    blocker = ordered[2]

    async with loyalty_sessions() as session, session.begin():
        await session.execute(
            text("SELECT 1 FROM loyalty.accounts WHERE account_id = :a FOR UPDATE"),
            {"a": held[blocker].account_id},  # type: ignore[union-attr]
        )
        run = asyncio.create_task(expire_due(loyalty_sessions, due, batch=1))

        async def first_two_expired() -> bool:
            kinds = [[e.kind for e in await ledger_of(loyalty_sessions, m)] for m in ordered[:2]]
            return all(k.count("expire") == 2 for k in kinds)

        await eventually(first_two_expired, timeout=20)
        await asyncio.sleep(0.2)
        run.cancel()
        await asyncio.gather(run, return_exceptions=True)
    for member in ordered[2:]:
        assert "expire" not in [e.kind for e in await ledger_of(loyalty_sessions, member)]

    await expire_due(loyalty_sessions, due, batch=1)
    for member in members:
        entries = await ledger_of(loyalty_sessions, member)
        assert [e.kind for e in entries] == ["earn", "earn", "expire", "expire"]
        assert entries[-1].balance_after == 0
        events = await published(loyalty_sessions, member, "loyalty.points.expired")
        assert sum(event["points"] for event in events) == 300
    assert await ledger_sound(loyalty_sessions, *members) == ()


async def test_the_runner_does_each_job_once_a_day_and_again_after_a_failure(
    loyalty_sessions: Sessions,
) -> None:
    calls: list[datetime] = []
    failing = {"left": 1}

    async def counted(sessions: Sessions, now: datetime) -> int:
        calls.append(now)
        return 7

    async def flaky(sessions: Sessions, now: datetime) -> int:
        if failing["left"]:
            failing["left"] -= 1
            raise RuntimeError("the database went away")
        return 1

    name = uuid.uuid4().hex[:12]
    runner = DailyJobs(
        job_runs,
        [DailyJob(f"count-{name}", counted), DailyJob(f"flaky-{name}", flaky)],
        zone=lambda: UTC,
    )
    day = datetime(2031, 5, 1, 0, 0, 30, tzinfo=UTC)
    with pytest.raises(RuntimeError, match="went away"):
        await runner.run_due(loyalty_sessions, day)
    assert await runner.run_due(loyalty_sessions, day + timedelta(hours=1)) == {f"flaky-{name}": 1}
    assert await runner.run_due(loyalty_sessions, day + timedelta(hours=23)) == {}
    assert len(calls) == 1
    next_day = await runner.run_due(loyalty_sessions, day + timedelta(days=1))
    assert next_day == {f"count-{name}": 7, f"flaky-{name}": 1}
    async with loyalty_sessions() as session:
        done = await session.execute(
            text("SELECT job, day, done FROM loyalty.job_runs WHERE job LIKE :n ORDER BY 2, 1"),
            {"n": f"%-{name}"},
        )
        assert [tuple(row) for row in done] == [
            (f"count-{name}", day.date(), 7),
            (f"flaky-{name}", day.date(), 1),
            (f"count-{name}", day.date() + timedelta(days=1), 7),
            (f"flaky-{name}", day.date() + timedelta(days=1), 1),
        ]


async def test_every_holder_of_a_household_is_told_of_its_expiring_and_expired_points(
    loyalty_sessions: Sessions, points_policy: SetPolicy
) -> None:
    await points_policy(**TWELVE_MONTHS, expiring_notice_days=10)
    head, other = uuid.uuid4(), uuid.uuid4()
    await household(loyalty_sessions, head, other)
    await handle(loyalty_sessions, purchase_event(head, 30_000))
    await handle(loyalty_sessions, purchase_event(other, 50_000))
    expiries = await _expiries(loyalty_sessions, head)
    assert len(expiries) == 2  # both lots are the household's
    due = min(expiries)

    await announce_expiring(loyalty_sessions, due - timedelta(days=3))
    await expire_due(loyalty_sessions, max(expiries))
    for member_id in (head, other):
        [coming] = await published(loyalty_sessions, member_id, "loyalty.points.expiring")
        [gone] = await published(loyalty_sessions, member_id, "loyalty.points.expired")
        assert (coming["points"], gone["points"], gone["balance"]) == (800, 800, 0)
