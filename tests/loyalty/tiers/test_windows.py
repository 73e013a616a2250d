"""Windowed qualification over the real database: promotion at once, no demotion in a
return storm, the review at the period's end with its grace, idempotent and batched."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text

from services.loyalty.members.service import loyalty_of
from services.loyalty.points.invariants import Invariant, check_ledger_invariants
from services.loyalty.tiers.jobs import review_batch, review_due
from services.loyalty.tiers.service import standing_of
from shared.db import Sessions
from tests.loyalty.conftest import (
    account_of,
    handle,
    published,
    purchase_event,
    purchase_id_of,
    return_event,
)
from tests.loyalty.tiers.conftest import tier_policy

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARCH_2026 = datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI)
NEW_YEAR_2027 = datetime(2027, 1, 1, tzinfo=SHANGHAI)
NEW_YEAR_2028 = datetime(2028, 1, 1, tzinfo=SHANGHAI)


async def _standing(sessions: Sessions, member_id: uuid.UUID) -> tuple[str, datetime | None, int]:
    async with sessions() as session:
        standing = await standing_of(session, member_id)
    assert standing is not None
    return standing.tier_code, standing.review_at, standing.grace_used


async def test_a_calendar_year_promotes_at_once_and_a_return_storm_does_not_demote(
    loyalty_sessions: Sessions,
) -> None:
    member = uuid.uuid4()
    async with tier_policy(loyalty_sessions, qualify_by="spend", window="calendar_year"):
        bought = purchase_event(member, 120_000, purchased_at=MARCH_2026)
        await handle(loyalty_sessions, bought)
        assert await _standing(loyalty_sessions, member) == ("vip", NEW_YEAR_2027, 0)
        for _ in range(3):  # the whole purchase comes back in three returns
            await handle(
                loyalty_sessions, return_event(member, purchase_id_of(bought), 40_000, 120_000)
            )
        held = await account_of(loyalty_sessions, member)
        assert held is not None
        assert (held.tier_code, held.qualifying_spend_fen, held.balance) == ("vip", 0, 0)
    changes = await published(loyalty_sessions, member, "loyalty.tier.changed")
    assert [(c["to_tier"], c["direction"], c["change"]) for c in changes] == [
        ("vip", "up", "upgrade")
    ]


async def test_the_window_counts_the_sales_own_year_and_the_account(
    loyalty_sessions: Sessions,
) -> None:
    member = uuid.uuid4()
    async with tier_policy(loyalty_sessions, qualify_by="spend", window="calendar_year"):
        # 60,000 in December 2025 and 60,000 in March 2026: no year reaches 100,000
        await handle(
            loyalty_sessions,
            purchase_event(
                member, 60_000, purchased_at=datetime(2025, 12, 31, 23, tzinfo=SHANGHAI)
            ),
        )
        await handle(loyalty_sessions, purchase_event(member, 60_000, purchased_at=MARCH_2026))
        assert (await _standing(loyalty_sessions, member))[0] == "standard"
        await handle(loyalty_sessions, purchase_event(member, 40_000, purchased_at=MARCH_2026))
        assert await _standing(loyalty_sessions, member) == ("vip", NEW_YEAR_2027, 0)
        this_year = datetime.now(SHANGHAI)
        await handle(loyalty_sessions, purchase_event(member, 30_000, purchased_at=this_year))
        async with loyalty_sessions() as session:
            view = await loyalty_of(session, member)
        # the spend shown is this year's, toward star; the lifetime spend is 190,000
        expected = 30_000 + (100_000 if this_year.year == 2026 else 0)
        assert (view.qualifying_spend_fen, view.missing_fen) == (expected, 500_000 - expected)


async def test_purchase_counts_promote_over_a_rolling_window(loyalty_sessions: Sessions) -> None:
    member = uuid.uuid4()
    async with tier_policy(
        loyalty_sessions,
        qualify_by="spend_or_purchases",
        window="rolling_months",
        window_months=6,
        purchase_thresholds={"vip": 3, "star": 10, "angel": 20},
    ):
        old = MARCH_2026 - timedelta(days=200)  # outside the 6 months before the last sale
        await handle(loyalty_sessions, purchase_event(member, 1_000, purchased_at=old))
        for day in (1, 2):
            sale = purchase_event(member, 1_000, purchased_at=MARCH_2026 + timedelta(days=day))
            await handle(loyalty_sessions, sale)
        assert (await _standing(loyalty_sessions, member))[0] == "standard"
        third = MARCH_2026 + timedelta(days=3)
        await handle(loyalty_sessions, purchase_event(member, 1_000, purchased_at=third))
        assert await _standing(loyalty_sessions, member) == (
            "vip",
            datetime(2026, 9, 4, 10, tzinfo=SHANGHAI),
            0,
        )


async def test_the_review_keeps_grants_grace_then_demotes_once_per_period(
    loyalty_sessions: Sessions,
) -> None:
    kept, lapsed = uuid.uuid4(), uuid.uuid4()
    async with tier_policy(
        loyalty_sessions, qualify_by="spend", window="calendar_year", grace_periods=1
    ):
        for member in (kept, lapsed):
            await handle(loyalty_sessions, purchase_event(member, 150_000, purchased_at=MARCH_2026))
        in_2027 = datetime(2027, 6, 1, tzinfo=SHANGHAI)
        await handle(loyalty_sessions, purchase_event(kept, 100_000, purchased_at=in_2027))

        # still 2026 in the brand's timezone: nobody is due
        await review_due(loyalty_sessions, NEW_YEAR_2027 - timedelta(seconds=1))
        assert await _standing(loyalty_sessions, lapsed) == ("vip", NEW_YEAR_2027, 0)

        assert await review_due(loyalty_sessions, NEW_YEAR_2027) >= 2
        assert await _standing(loyalty_sessions, kept) == ("vip", NEW_YEAR_2028, 0)
        assert await _standing(loyalty_sessions, lapsed) == ("vip", NEW_YEAR_2028, 0)
        # 2026 qualified both; run again: nothing of theirs is reviewed twice
        await review_due(loyalty_sessions, NEW_YEAR_2027)
        assert await _standing(loyalty_sessions, lapsed) == ("vip", NEW_YEAR_2028, 0)

        await review_due(loyalty_sessions, NEW_YEAR_2028)
        assert await _standing(loyalty_sessions, kept) == (
            "vip",
            datetime(2029, 1, 1, tzinfo=SHANGHAI),
            0,
        )
        # 2027 did not qualify the lapsed member: one period of grace
        assert await _standing(loyalty_sessions, lapsed) == (
            "vip",
            datetime(2029, 1, 1, tzinfo=SHANGHAI),
            1,
        )
        async with loyalty_sessions() as session:
            report = await check_ledger_invariants(session, members=[kept, lapsed])
        assert report.ok, str(report)
        async with loyalty_sessions() as session, session.begin():
            await session.execute(
                text("UPDATE loyalty.tier_standings SET review_at = NULL WHERE member_id = :m"),
                {"m": kept},
            )
            report = await check_ledger_invariants(session, members=[kept, lapsed])
            await session.rollback()
        assert [(v.invariant, v.subject) for v in report.violations] == [(Invariant.STANDING, kept)]
        assert "never reviewed under a windowed policy" in str(report)
        # a job that missed a year reviews 2028 and 2029 in turn
        await review_due(loyalty_sessions, datetime(2030, 1, 1, tzinfo=SHANGHAI))
        assert await _standing(loyalty_sessions, lapsed) == ("standard", None, 0)
    changes = await published(loyalty_sessions, lapsed, "loyalty.tier.changed")
    assert [(c["to_tier"], c["direction"], c["change"]) for c in changes] == [
        ("vip", "up", "upgrade"),
        ("standard", "down", "downgrade"),
    ]


async def test_a_tier_change_says_when_the_new_tier_is_next_reviewed(
    loyalty_sessions: Sessions,
) -> None:
    """Messaging names the period a downgraded member keeps their new tier for."""
    member = uuid.uuid4()
    async with tier_policy(loyalty_sessions, qualify_by="spend", window="calendar_year"):
        await handle(loyalty_sessions, purchase_event(member, 600_000, purchased_at=MARCH_2026))
        in_2027 = datetime(2027, 6, 1, tzinfo=SHANGHAI)
        await handle(loyalty_sessions, purchase_event(member, 150_000, purchased_at=in_2027))
        await review_due(loyalty_sessions, NEW_YEAR_2028)  # 2026 keeps star, 2027 reaches vip
        # 2028 spends nothing: the base tier is never reviewed
        await review_due(loyalty_sessions, datetime(2029, 1, 1, tzinfo=SHANGHAI))
    changes = await published(loyalty_sessions, member, "loyalty.tier.changed")
    reviews = [
        (c["to_tier"], c["change"], c["review_at"] and datetime.fromisoformat(c["review_at"]))
        for c in changes
    ]
    assert reviews == [
        ("star", "upgrade", NEW_YEAR_2027),
        ("vip", "downgrade", datetime(2029, 1, 1, tzinfo=SHANGHAI)),  # kept through 2028
        ("standard", "downgrade", None),
    ]


async def test_the_review_runs_in_batches_until_nothing_is_due(loyalty_sessions: Sessions) -> None:
    members = [uuid.uuid4() for _ in range(5)]
    async with tier_policy(loyalty_sessions, qualify_by="spend", window="calendar_year"):
        for member in members:
            await handle(loyalty_sessions, purchase_event(member, 100_000, purchased_at=MARCH_2026))
        reviewed = await review_due(loyalty_sessions, NEW_YEAR_2028, batch=2)
        assert reviewed >= 2 * len(members)  # 2026 kept each, 2027 demoted each
        async with loyalty_sessions() as session:
            due = await session.scalar(
                text("SELECT count(*) FROM loyalty.tier_standings WHERE review_at <= :now"),
                {"now": NEW_YEAR_2028},
            )
        assert due == 0
        for member in members:
            assert await _standing(loyalty_sessions, member) == ("standard", None, 0)


async def test_back_to_lifetime_clears_reviews(loyalty_sessions: Sessions) -> None:
    member = uuid.uuid4()
    async with tier_policy(loyalty_sessions, qualify_by="spend", window="calendar_year"):
        await handle(loyalty_sessions, purchase_event(member, 100_000, purchased_at=MARCH_2026))
        assert (await _standing(loyalty_sessions, member))[1] == NEW_YEAR_2027
    assert await _standing(loyalty_sessions, member) == ("vip", None, 0)
    await review_due(loyalty_sessions, datetime.now(UTC) + timedelta(days=3650))
    assert (await _standing(loyalty_sessions, member))[0] == "vip"


async def test_a_batch_that_dies_before_committing_leaves_its_reviews_for_the_next_run(
    loyalty_sessions: Sessions,
) -> None:
    members = [uuid.uuid4() for _ in range(3)]
    async with tier_policy(loyalty_sessions, qualify_by="spend", window="calendar_year"):
        for member in members:
            await handle(loyalty_sessions, purchase_event(member, 100_000, purchased_at=MARCH_2026))
        async with loyalty_sessions() as session, session.begin():
            assert await review_batch(session, NEW_YEAR_2028, 500) >= len(members)
            await session.rollback()  # the process dies here: the batch never commits
        for member in members:
            assert await _standing(loyalty_sessions, member) == ("vip", NEW_YEAR_2027, 0)
        await review_due(loyalty_sessions, NEW_YEAR_2028)
        for member in members:
            assert await _standing(loyalty_sessions, member) == ("standard", None, 0)
            changes = await published(loyalty_sessions, member, "loyalty.tier.changed")
            assert [c["change"] for c in changes] == ["upgrade", "downgrade"]
