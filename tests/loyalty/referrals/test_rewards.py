"""The referrer's reward: the friend's first paid purchase qualifies the referral, returns
inside the window reduce its spend, and the due work grants the band's coupon once, or
cancels or refuses it (hand-computed fen: bands ≥ 10,000 → 2,000, ≥ 30,000 → 3,000,
≥ 80,000 → 5,000; return window 7 days)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import text

from services.loyalty.coupons import service as coupons
from services.loyalty.referrals.invariants import referral_violations
from services.loyalty.referrals.service import settle, settle_due
from shared.db import Sessions, transaction
from shared.testing.records import consumer_record
from tests.loyalty.conftest import (
    event_consumer,
    handle,
    published,
    purchase_event,
    return_event,
)
from tests.loyalty.households.conftest import household
from tests.loyalty.referrals.conftest import (
    NOW,
    PURCHASED_AT,
    REFERRED_AT,
    SetBands,
    referral_of,
    referred_event,
    referred_pair,
    settle_now,
)
from tests.stack import member_headers


async def _coupons(sessions: Sessions, member: uuid.UUID) -> list[tuple[str, str]]:
    async with sessions() as session:
        rows = await session.execute(
            text(
                "SELECT definition_id::text, grant_key FROM loyalty.coupons "
                "WHERE member_id = :m ORDER BY granted_at"
            ),
            {"m": member},
        )
        return [(row[0], row[1]) for row in rows]


async def test_the_first_paid_purchase_qualifies_and_the_due_work_grants_its_band_once(
    client: httpx.AsyncClient, loyalty_sessions: Sessions, reward_policy: SetBands
) -> None:
    bands = await reward_policy()
    referrer, friend = await referred_pair(loyalty_sessions)
    before = purchase_event(friend, 50_000, purchased_at=REFERRED_AT - timedelta(minutes=1))
    await handle(loyalty_sessions, before)  # before the registration: not theirs to count
    await handle(loyalty_sessions, purchase_event(friend, 0, purchased_at=PURCHASED_AT))
    first = purchase_event(friend, 35_000, purchased_at=PURCHASED_AT)
    await handle(loyalty_sessions, first)
    await handle(loyalty_sessions, purchase_event(friend, 90_000, purchased_at=PURCHASED_AT))

    qualified = await referral_of(loyalty_sessions, friend)
    assert (qualified.state, qualified.spend_fen) == ("qualified", 35_000)
    assert qualified.purchase_id == uuid.UUID(first.data["purchase_id"])
    assert qualified.due_at == PURCHASED_AT + timedelta(days=7)
    [announced] = await published(loyalty_sessions, referrer, "loyalty.referral.qualified")
    assert (announced["spend_fen"], announced["friend_member_id"]) == (35_000, str(friend))

    early = await settle_now(loyalty_sessions, friend, PURCHASED_AT + timedelta(days=6))
    assert early.state == "qualified"  # the window is still open
    rewarded = await settle_now(loyalty_sessions, friend)
    assert (rewarded.state, rewarded.reward_fen, rewarded.policy_version) == ("rewarded", 3_000, 1)
    async with transaction(loyalty_sessions) as session:  # a replayed run: nothing more
        await settle(session, rewarded.id, NOW)
    grant = (bands.thirty, f"referral:{rewarded.id}")
    assert await _coupons(loyalty_sessions, referrer) == [grant]
    # the referral's own notice tells the reward: messaging adds no plain coupon notice
    [granted] = await published(loyalty_sessions, referrer, "loyalty.coupon.granted")
    assert granted["occasion"] == "referral"
    [event] = await published(loyalty_sessions, referrer, "loyalty.referral.rewarded")
    assert (event["coupon_id"], event["net_spend_fen"], event["reward_fen"]) == (
        str(rewarded.coupon_id),
        35_000,
        3_000,
    )

    listed = await client.get(f"/members/{referrer}/referrals", headers=member_headers(referrer))
    [item] = listed.json()["items"]
    assert (item["state"], item["reason"], item["spend_fen"], item["reward_fen"]) == (
        "rewarded",
        None,
        35_000,
        3_000,
    )
    assert item["coupon_id"] == str(rewarded.coupon_id)


async def test_returns_inside_the_window_price_the_reward_on_net_spend(
    loyalty_sessions: Sessions, reward_policy: SetBands
) -> None:
    bands = await reward_policy()
    referrer, friend = await referred_pair(loyalty_sessions)
    sale = purchase_event(friend, 35_000, purchased_at=PURCHASED_AT)
    await handle(loyalty_sessions, sale)
    purchase_id = uuid.UUID(sale.data["purchase_id"])
    inside = return_event(friend, purchase_id, 6_000, 35_000)
    inside.data["returned_at"] = (PURCHASED_AT + timedelta(days=1)).isoformat()
    await handle(loyalty_sessions, inside)
    after = return_event(friend, purchase_id, 20_000, 35_000)  # returned_at now: past due
    await handle(loyalty_sessions, after)

    rewarded = await settle_now(loyalty_sessions, friend)
    assert (rewarded.returned_fen, rewarded.state, rewarded.reward_fen) == (
        6_000,
        "rewarded",
        2_000,
    )
    assert await _coupons(loyalty_sessions, referrer) == [(bands.twenty, f"referral:{rewarded.id}")]


async def test_a_void_or_returns_under_the_lowest_band_cancel_it(
    loyalty_sessions: Sessions, reward_policy: SetBands
) -> None:
    await reward_policy()
    recent = datetime.now(UTC) - timedelta(hours=1)  # its window still open
    referrer, friend = await referred_pair(loyalty_sessions)
    sale = purchase_event(friend, 35_000, purchased_at=recent)
    await handle(loyalty_sessions, sale)
    purchase_id = uuid.UUID(sale.data["purchase_id"])
    await handle(loyalty_sessions, return_event(friend, purchase_id, 26_000, 35_000))
    cancelled = await settle_now(loyalty_sessions, friend, recent + timedelta(days=7))
    assert (cancelled.returned_fen, cancelled.state, cancelled.reason) == (
        26_000,
        "cancelled",
        "returned",
    )  # 9,000 net, under 10,000
    [event] = await published(loyalty_sessions, referrer, "loyalty.referral.cancelled")
    assert (event["reason"], event["net_spend_fen"]) == ("returned", 9_000)

    small_referrer, small = await referred_pair(loyalty_sessions)
    await handle(loyalty_sessions, purchase_event(small, 9_999, purchased_at=PURCHASED_AT))
    below = await settle_now(loyalty_sessions, small)
    assert (below.state, below.reason) == ("cancelled", "below_lowest_band")
    assert await _coupons(loyalty_sessions, referrer) == []
    assert await _coupons(loyalty_sessions, small_referrer) == []


async def test_referrer_and_friend_of_one_household_are_refused(
    loyalty_sessions: Sessions, reward_policy: SetBands
) -> None:
    await reward_policy()
    referrer, friend = await referred_pair(loyalty_sessions)
    await handle(loyalty_sessions, purchase_event(friend, 90_000, purchased_at=PURCHASED_AT))
    await household(loyalty_sessions, referrer, friend)
    refused = await settle_now(loyalty_sessions, friend)
    assert (refused.state, refused.reason, refused.coupon_id) == ("refused", "same_household", None)
    [event] = await published(loyalty_sessions, referrer, "loyalty.referral.refused")
    assert event["reason"] == "same_household"
    assert await _coupons(loyalty_sessions, referrer) == []


async def test_the_monthly_cap_holds_however_many_due_runs_race(
    loyalty_sessions: Sessions, reward_policy: SetBands
) -> None:
    await reward_policy(monthly_cap=2)
    referrer, first = await referred_pair(loyalty_sessions)
    friends = [first] + [(await referred_pair(loyalty_sessions, referrer))[1] for _ in range(4)]
    for friend in friends:
        await handle(loyalty_sessions, purchase_event(friend, 30_000, purchased_at=PURCHASED_AT))

    async def run(friend: uuid.UUID) -> None:
        referral = await referral_of(loyalty_sessions, friend)
        async with transaction(loyalty_sessions) as session:
            await settle(session, referral.id, NOW)

    await asyncio.gather(*(run(friend) for friend in friends))
    states = sorted(
        [((r := await referral_of(loyalty_sessions, f)).state, r.reason) for f in friends],
        key=str,
    )
    assert states == [("refused", "monthly_cap")] * 3 + [("rewarded", None)] * 2
    assert len(await _coupons(loyalty_sessions, referrer)) == 2
    async with loyalty_sessions() as session:
        counted = await session.scalar(
            text("SELECT rewarded FROM loyalty.referral_months WHERE referrer_member_id = :r"),
            {"r": referrer},
        )
    assert counted == 2
    assert await _violations(loyalty_sessions, referrer) == []


async def test_a_refused_grant_leaves_it_qualified_for_a_retry(
    client: httpx.AsyncClient, loyalty_sessions: Sessions, reward_policy: SetBands
) -> None:
    bands = await reward_policy()
    async with transaction(loyalty_sessions) as session:  # the 30-yuan band's stock is gone
        await session.execute(
            text("UPDATE loyalty.coupon_definitions SET quantity = 0 WHERE id = :d"),
            {"d": bands.thirty},
        )
    referrer, friend = await referred_pair(loyalty_sessions)
    await handle(loyalty_sessions, purchase_event(friend, 35_000, purchased_at=PURCHASED_AT))
    waiting = await settle_now(loyalty_sessions, friend)
    assert (waiting.state, waiting.attempt_at) == ("qualified", NOW + timedelta(hours=1))
    assert await _coupons(loyalty_sessions, referrer) == []
    assert await published(loyalty_sessions, referrer, "loyalty.referral.rewarded") == []
    async with transaction(loyalty_sessions) as session:
        await session.execute(
            text("UPDATE loyalty.coupon_definitions SET quantity = 10 WHERE id = :d"),
            {"d": bands.thirty},
        )
    retried = await settle_now(loyalty_sessions, friend, NOW + timedelta(hours=1))
    assert (retried.state, retried.reward_fen) == ("rewarded", 3_000)


async def _violations(sessions: Sessions, referrer: uuid.UUID) -> list[str]:
    async with sessions() as session:
        return [str(v) for v in await referral_violations(session, [referrer])]


async def test_the_audit_finds_a_second_reward_and_a_miscounted_month(
    loyalty_sessions: Sessions, reward_policy: SetBands
) -> None:
    bands = await reward_policy()
    referrer, friend = await referred_pair(loyalty_sessions)
    _, other = await referred_pair(loyalty_sessions, referrer)
    await handle(loyalty_sessions, purchase_event(friend, 35_000, purchased_at=PURCHASED_AT))
    await handle(loyalty_sessions, purchase_event(other, 5_000, purchased_at=PURCHASED_AT))
    rewarded = await settle_now(loyalty_sessions, friend)
    cancelled = await settle_now(loyalty_sessions, other)
    assert await _violations(loyalty_sessions, referrer) == []

    async with transaction(loyalty_sessions) as session:  # as a crash-doubled run would
        await session.execute(
            text("UPDATE loyalty.referral_months SET rewarded = 2 WHERE referrer_member_id = :r"),
            {"r": referrer},
        )
        await coupons.try_grant(
            session, uuid.UUID(bands.twenty), referrer, f"referral:{cancelled.id}", NOW
        )
    found = await _violations(loyalty_sessions, referrer)
    assert [v.split(":")[0] for v in sorted(found)] == ["referral_months", "referral_rewards"]
    assert str(cancelled.id) in " ".join(found)
    assert str(rewarded.id) not in " ".join(found)


async def test_the_due_work_settles_what_is_due_and_leaves_the_rest(
    loyalty_sessions: Sessions, reward_policy: SetBands
) -> None:
    await reward_policy()
    referrer, due = await referred_pair(loyalty_sessions)
    _, also_due = await referred_pair(loyalty_sessions, referrer)
    _, open_window = await referred_pair(loyalty_sessions, referrer)
    await handle(loyalty_sessions, purchase_event(due, 10_000, purchased_at=PURCHASED_AT))
    await handle(loyalty_sessions, purchase_event(also_due, 9_000, purchased_at=PURCHASED_AT))
    recent = datetime.now(UTC) - timedelta(minutes=1)
    await handle(loyalty_sessions, purchase_event(open_window, 80_000, purchased_at=recent))

    assert await settle_due(loyalty_sessions, NOW) >= 2
    assert await settle_due(loyalty_sessions, NOW) == 0  # nothing due is left
    states = [(await referral_of(loyalty_sessions, f)).state for f in (due, also_due, open_window)]
    assert states == ["rewarded", "cancelled", "qualified"]


async def test_a_batch_qualifies_its_friends_even_one_referred_in_the_same_batch(
    loyalty_sessions: Sessions,
) -> None:
    referrer, friend = await referred_pair(loyalty_sessions)
    late = uuid.uuid4()  # referred and buying in one batch
    others = [uuid.uuid4() for _ in range(3)]
    batch = [
        *(purchase_event(other, 10_000, purchased_at=PURCHASED_AT) for other in others),
        purchase_event(friend, 20_000, purchased_at=PURCHASED_AT),
        referred_event(late, referrer, REFERRED_AT),
        purchase_event(late, 30_000, purchased_at=PURCHASED_AT),
        purchase_event(friend, 40_000, purchased_at=PURCHASED_AT),  # not the first
    ]
    consumer = event_consumer(loyalty_sessions)
    await consumer.apply([consumer_record(e, offset=i) for i, e in enumerate(batch)])
    qualified = [await referral_of(loyalty_sessions, member) for member in (friend, late)]
    assert [(r.state, r.spend_fen) for r in qualified] == [
        ("qualified", 20_000),
        ("qualified", 30_000),
    ]
