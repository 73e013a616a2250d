"""A member's draw (抽奖): one chance spent, a prize picked by the OS's secure generator,
the day's quota taken, the prize delivered, all in one transaction.

Order of locks, the one every points movement keeps: the member's account (own, then
household) first, then their chances row, then the prize's quota row of the day, then
what delivery locks (a coupon definition's row). A crash before the commit leaves no
draw, no spent chance, no quota taken and nothing delivered; after it, all of them.

A prize not available falls as configured: out of today's quota (the conditional
update of its quota row found no room) or its coupon refused (the definition's quantity,
budget, per-member limit or validity), it is tried in a savepoint, so nothing of the
attempt stays, and the draw goes on to the next lower prize when the prize's
``fallback`` is ``next``, else ends with no prize.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from services.loyalty.accounts import service as accounts
from services.loyalty.accounts.errors import AccountNotFound, BalanceLimitReached
from services.loyalty.accounts.service import Account, Movement, Source
from services.loyalty.base import emit
from services.loyalty.coupons import service as coupons
from services.loyalty.coupons.errors import (
    CouponDefinitionEnded,
    CouponLimitReached,
    CouponsExhausted,
)
from services.loyalty.coupons.schemas import GrantIn
from services.loyalty.lots import service as lots
from services.loyalty.lottery import domain, repository
from services.loyalty.lottery.errors import (
    LotteryCampaignNotFound,
    LotteryCampaignNotRunning,
    NoDrawChances,
)
from services.loyalty.lottery.models import (
    GiftFulfilment,
    LotteryCampaign,
    LotteryDraw,
    LotteryPrize,
)
from services.loyalty.lottery.schemas import DrawIn, DrawOut
from services.loyalty.lottery.service import draw_out, prize_out
from shared.db import AsyncSession
from shared.events.draws import DrawMade
from shared.inputs import input_defaults

_REFUSED = (CouponsExhausted, CouponLimitReached, CouponDefinitionEnded, BalanceLimitReached)
"""A prize its kernel refuses is not available, as one out of quota."""


class _OutOfQuota(Exception):
    """Rolls back a prize's savepoint when its quota of the day is used up."""


@dataclass(frozen=True)
class _Delivered:
    coupon_id: uuid.UUID | None = None
    entry_id: uuid.UUID | None = None
    points: int | None = None
    balance: int | None = None


async def draw(session: AsyncSession, member_id: uuid.UUID, body: DrawIn) -> DrawOut:
    """Spends one of the member's chances in the campaign on a draw and delivers its prize
    (see the module): points credited (source ``lottery_prize``, the draw's id), a coupon
    granted (grant key ``draw:<id>``) or a gift recorded for staff to hand over. The draw
    is kept for audit with its random value (0–9,999) and the brand's day whose quota
    counted. Publishes ``loyalty.draw.made``.

    Raises :class:`LotteryCampaignNotFound` (404, ``campaign_id``), ``AccountNotFound``
    (404), :class:`LotteryCampaignNotRunning` and :class:`NoDrawChances` (409)."""
    campaign = await repository.campaign(session, body.campaign_id)
    if campaign is None:
        raise LotteryCampaignNotFound(f"No draw campaign {body.campaign_id}", field="campaign_id")
    now = datetime.now(UTC)
    if not campaign.starts_at <= now < campaign.ends_at:
        raise LotteryCampaignNotRunning(
            f"draw campaign {campaign.campaign_id} runs from {campaign.starts_at.isoformat()} "
            f"to before {campaign.ends_at.isoformat()}",
            field="campaign_id",
        )
    account = await accounts.locked_account_of(session, member_id)
    if account is None:
        raise AccountNotFound(f"No loyalty account for member {member_id}")
    draw_id = uuid.uuid4()
    spent = await repository.move_chances(
        session,
        {
            "campaign_id": campaign.campaign_id,
            "member_id": member_id,
            "source_type": "draw",
            "source_id": draw_id,
            "chances": -1,
        },
        at_most_balance=False,
    )
    if spent is None:
        raise NoDrawChances(
            f"member {member_id} has no draw chance left in {campaign.campaign_id}",
            field="campaign_id",
        )
    chances_left = spent[1]
    prizes = await repository.prizes(session, [campaign.campaign_id])
    terms = {p.prize_id: p for p in prizes}
    value = secrets.randbelow(domain.WHOLE)
    ranked = [_terms(p) for p in prizes]
    picked = domain.pick(ranked, value)
    day = domain.quota_day(now, input_defaults().business_timezone)
    won: LotteryPrize | None = None
    delivered = _Delivered()
    for candidate in domain.candidates(ranked, picked):
        prize = terms[candidate.prize_id]
        try:
            async with session.begin_nested():
                if not await repository.take_quota(session, prize.prize_id, day, prize.daily_quota):
                    raise _OutOfQuota
                delivered = await _deliver(session, campaign, prize, account, member_id, draw_id)
        except (_OutOfQuota, *_REFUSED):
            continue
        won = prize
        break
    row = LotteryDraw(
        draw_id=draw_id,
        campaign_id=campaign.campaign_id,
        member_id=member_id,
        account_id=account.account_id,
        random_value=value,
        drawn_prize_id=picked.prize_id if picked is not None else None,
        prize_id=won.prize_id if won is not None else None,
        quota_day=day,
        coupon_id=delivered.coupon_id,
        entry_id=delivered.entry_id,
        drawn_at=now,
    )
    await repository.add_draw(session, row)
    gift = None
    if won is not None and won.kind == "gift":
        gift = GiftFulfilment(
            draw_id=draw_id, prize_id=won.prize_id, member_id=member_id, gift_name=won.name
        )
        session.add(gift)
    await emit(
        session,
        DrawMade(
            draw_id=draw_id,
            member_id=member_id,
            account_id=account.account_id,
            campaign_id=campaign.campaign_id,
            prize_id=row.prize_id,
            prize_rank=won.rank if won is not None else None,
            prize_kind=cast(domain.PrizeKind, won.kind) if won is not None else None,
            prize_name=won.name if won is not None else None,
            drawn_prize_id=row.drawn_prize_id,
            quota_day=day,
            chances_left=chances_left,
            coupon_id=delivered.coupon_id,
            entry_id=delivered.entry_id,
            points=delivered.points,
            balance=delivered.balance,
            drawn_at=now,
        ),
    )
    await session.flush()
    won_today = await repository.won_on(session, [won.prize_id], day) if won else {}
    outs = {p.prize_id: prize_out(p, won_today.get(p.prize_id, 0)) for p in prizes}
    return draw_out(row, outs, gift, chances_left)


def _terms(prize: LotteryPrize) -> domain.Prize:
    return domain.Prize(
        prize_id=prize.prize_id,
        rank=prize.rank,
        probability=prize.probability,
        daily_quota=prize.daily_quota,
        fallback=cast(domain.Fallback, prize.fallback),
    )


async def _deliver(
    session: AsyncSession,
    campaign: LotteryCampaign,
    prize: LotteryPrize,
    account: Account,
    member_id: uuid.UUID,
    draw_id: uuid.UUID,
) -> _Delivered:
    """Delivers a points or coupon prize through its kernel (a gift is recorded by the
    caller once the draw row exists). Raises what the kernel refuses with."""
    if prize.kind == "points":
        assert prize.points is not None
        terms = await lots.credit_terms(session, purchase=False)
        moved = await accounts.move_new_points(
            session,
            account,
            Movement(
                Source("lottery_prize", draw_id),
                prize.points,
                reason=f"{campaign.name}: {prize.name}",
                expires_at=terms.expires_at,
            ),
            field="campaign_id",
        )
        return _Delivered(entry_id=moved.entry_id, points=prize.points, balance=moved.balance)
    if prize.kind == "coupon":
        assert prize.definition_id is not None
        body = GrantIn(definition_id=prize.definition_id, grant_key=f"draw:{draw_id}")
        coupon = await coupons.grant(session, member_id, body, show_code=False, occasion="draw")
        return _Delivered(coupon_id=coupon.id)
    return _Delivered()
