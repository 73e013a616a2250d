"""The balance read is one statement (issue 19) and answers what the capabilities' own
reads answered, byte for byte, for every kind of member: no account, no standing, a tier
gone from the ladder, the top tier, pending and expiring lots, till holds, a household's
account, and each tier window."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from services.loyalty.accounts import service as accounts
from services.loyalty.accounts.errors import AccountNotFound
from services.loyalty.lots import domain as lots_domain
from services.loyalty.lots import service as lots
from services.loyalty.lots.schemas import ExpiringOut, PendingOut
from services.loyalty.members import service
from services.loyalty.members.schemas import LoyaltyOut, NextTier, TierRef
from services.loyalty.program.domain import base_tier
from services.loyalty.program.service import current_ladder
from services.loyalty.reservations.schemas import HeldOut
from services.loyalty.tiers import domain as tiers_domain
from services.loyalty.tiers import qualification
from services.loyalty.tiers import service as tiers
from shared.db import AsyncSession, Sessions, transaction
from shared.inputs import input_defaults
from tests.loyalty.conftest import (
    SetPolicy,
    funded_member,
    handle,
    problem,
    purchase_event,
    purchase_id_of,
    registered_event,
    return_event,
)
from tests.loyalty.households.conftest import household
from tests.loyalty.reservations.conftest import SERVICE, held
from tests.loyalty.statements import engine_of, statements
from tests.loyalty.tiers.conftest import tier_policy

_HELD = text(
    "SELECT r.reservation_id, r.store_id, r.points, r.expires_at "
    "FROM loyalty.till_reservations r WHERE r.status = 'held' AND r.tender = 'points' "
    "AND r.account_id IN (SELECT :account UNION ALL SELECT owned.account_id "
    "FROM loyalty.account_holders h JOIN loyalty.account_holders owned USING (member_id) "
    "WHERE h.account_id = :account AND h.role = 'household' AND owned.role = 'owner') "
    "ORDER BY r.expires_at, r.reservation_id"
)

_EARNED_A_MONTH_AGO = text(  # and available at 20:00 UTC: the next day in Shanghai
    "UPDATE loyalty.point_lots SET expires_at = expires_at - interval '30 days', "
    "available_at = date_trunc('day', available_at) + interval '20 hours' "
    "WHERE account_id = (SELECT account_id FROM loyalty.account_holders "
    "WHERE member_id = :m AND role = 'owner')"
)


async def _as_before(session: AsyncSession, member_id: uuid.UUID) -> LoyaltyOut:
    """The view as the capabilities' own reads made it before it was one statement: the
    account, the ladder, the standing, the spend toward tiers, the lots, the holds."""
    account = await accounts.account_of(session, member_id)
    ladder = await current_ladder(session)
    standing = await tiers.standing_of(session, member_id)
    tier_code = standing.tier_code if standing else base_tier(ladder).code
    now = datetime.now(UTC)
    spend = 0
    if standing:
        policy = await tiers.current_policy(session)
        spend = (await qualification.own_measures(session, policy, standing, now)).spend_fen
        if await qualification.household_account(session, account.account_id):
            together = await qualification.household_measures(
                session, policy, account.account_id, now
            )
            spend = max(spend, together.spend_fen)
    tier = next((r for r in ladder if r.code == tier_code), None)
    ahead = tiers_domain.next_tier(ladder, spend)
    view = lots_domain.lots_view(
        await accounts.open_lots(session, account.account_id),
        now,
        (await lots.current_policy(session)).expiring_notice_days,
        input_defaults().business_timezone,
    )
    holds = [
        HeldOut(reservation_id=r[0], store_id=r[1], points=r[2], expires_at=r[3])
        for r in await session.execute(_HELD, {"account": account.account_id})
    ]
    return LoyaltyOut(
        member_id=member_id,
        account_id=account.account_id,
        balance=account.balance,
        available=view.available,
        pending_points=view.pending_points,
        pending=[PendingOut(available_on=d.on, points=d.points) for d in view.pending],
        expiring_soon_points=view.expiring_soon_points,
        expiring_soon=[
            ExpiringOut(valid_through=d.on, points=d.points) for d in view.expiring_soon
        ],
        held_points=sum(h.points for h in holds),
        held=holds,
        tier=TierRef(code=tier_code, name=tier.name if tier else tier_code),
        qualifying_spend_fen=spend,
        next_tier=NextTier(
            code=ahead[0].code, name=ahead[0].name, threshold_fen=ahead[0].threshold_fen
        )
        if ahead
        else None,
        missing_fen=ahead[1] if ahead else None,
    )


async def _members(
    client: httpx.AsyncClient, sessions: Sessions, points_policy: SetPolicy
) -> list[uuid.UUID]:
    """One member in each state the view shows differently."""
    registered = uuid.uuid4()
    await handle(sessions, registered_event(registered))
    vip = await funded_member(sessions, 120_000)
    top = await funded_member(sessions, 2_100_000)
    no_standing = await funded_member(sessions, 30_000)
    gone_tier = await funded_member(sessions, 30_000)
    async with transaction(sessions) as session:
        await session.execute(
            text("DELETE FROM loyalty.tier_standings WHERE member_id = :m"), {"m": no_standing}
        )
        await session.execute(
            text("UPDATE loyalty.tier_standings SET tier_code = 'gone' WHERE member_id = :m"),
            {"m": gone_tier},
        )
    over_time = uuid.uuid4()  # purchases in two years and a partial return
    now = datetime.now(UTC)
    for days_ago, fen in ((400, 70_000), (200, 50_000), (40, 20_000), (3, 9_000)):
        await handle(
            sessions, purchase_event(over_time, fen, purchased_at=now - timedelta(days_ago))
        )
    bought = purchase_event(over_time, 80_000, purchased_at=now - timedelta(days=20))
    await handle(sessions, bought)
    await handle(sessions, return_event(over_time, purchase_id_of(bought), 30_000, 80_000))
    holding = await funded_member(sessions, 100_000)
    await held(client, holding, 10_000, points=300)
    await held(client, holding, 10_000, points=200)
    head, other = await funded_member(sessions, 50_000), await funded_member(sessions, 70_000)
    await held(client, other, 10_000, points=100)  # on their own account, before joining
    await household(sessions, head, other)
    await handle(sessions, purchase_event(head, 40_000))
    await held(client, head, 10_000, points=50)
    await points_policy(
        return_window_days=7,
        expiry="months_after_earning",
        expiry_months=3,
        expiring_notice_days=90,
    )
    lots_member = await funded_member(sessions, 40_000)
    await handle(sessions, purchase_event(lots_member, 25_000))
    await handle(sessions, purchase_event(head, 10_000))  # a pending lot on the household's
    async with transaction(sessions) as session:  # as if earned a month ago: expiring soon
        await session.execute(_EARNED_A_MONTH_AGO, {"m": lots_member})
    return [
        registered,
        vip,
        top,
        no_standing,
        gone_tier,
        over_time,
        holding,
        head,
        other,
        lots_member,
    ]


async def _same_answers(sessions: Sessions, members: list[uuid.UUID]) -> None:
    for member in members:
        async with transaction(sessions) as session:
            now = (await service.loyalty_of(session, member)).model_dump_json()
        async with transaction(sessions) as session:
            await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            before = (await _as_before(session, member)).model_dump_json()
        assert now == before


async def test_the_one_statement_answers_what_the_capabilities_answered(
    client: httpx.AsyncClient, loyalty_sessions: Sessions, points_policy: SetPolicy
) -> None:
    members = await _members(client, loyalty_sessions, points_policy)
    await _same_answers(loyalty_sessions, members)
    await points_policy(expiry="months_after_earning", expiry_months=3, expiring_notice_days=5)
    await _same_answers(loyalty_sessions, members)  # nothing expires within 5 days
    for window in ({"window": "calendar_year"}, {"window": "rolling_months", "window_months": 6}):
        async with tier_policy(loyalty_sessions, qualify_by="spend", **window):
            await _same_answers(loyalty_sessions, members)
    async with tier_policy(
        loyalty_sessions,
        qualify_by="spend_and_purchases",
        window="lifetime",
        purchase_thresholds={"vip": 2, "star": 5, "angel": 9},
    ):
        await _same_answers(loyalty_sessions, members)


async def test_a_member_without_an_account_is_the_same_404(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    stranger = uuid.uuid4()
    async with transaction(loyalty_sessions) as session:
        with pytest.raises(AccountNotFound) as raised:
            await service.loyalty_of(session, stranger)
    assert str(raised.value) == f"No loyalty account for member {stranger}"
    body = problem(await client.get(f"/members/{stranger}/loyalty", headers=SERVICE), 404)
    assert body["detail"] == f"No loyalty account for member {stranger}"


STATEMENTS_PER_BALANCE_READ = 1
"""The view in one statement (issue 19); before, nine: the account, the ladder, the
standing, the tier policy, whether the account is a household's, the points policy, the
lots, the accounts pooled into it and the holds."""


async def test_a_balance_read_is_one_statement(loyalty_sessions: Sessions) -> None:
    member = await funded_member(loyalty_sessions, 120_000)
    async with transaction(loyalty_sessions) as session:
        with statements(engine_of(loyalty_sessions)) as sent:
            await service.loyalty_of(session, member)
    assert len(sent) == STATEMENTS_PER_BALANCE_READ
