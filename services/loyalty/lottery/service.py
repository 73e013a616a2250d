"""Use cases of draw campaigns: marketing makes and reads them, members and staff read
draws, staff hand gifts over. They flush, never commit: the caller owns the transaction.
The draw itself is :mod:`services.loyalty.lottery.draws`; chances from purchases
:mod:`services.loyalty.lottery.sales`."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import cast

from services.loyalty.base import emit
from services.loyalty.coupons import service as coupons
from services.loyalty.coupons.errors import CouponDefinitionNotFound
from services.loyalty.lottery import domain, repository
from services.loyalty.lottery.errors import (
    FulfilmentNotFound,
    InvalidLotteryCampaign,
    LotteryCampaignEnded,
    LotteryCampaignNotFound,
)
from services.loyalty.lottery.models import (
    GiftFulfilment,
    LotteryCampaign,
    LotteryDraw,
    LotteryPrize,
)
from services.loyalty.lottery.schemas import (
    Chances,
    CouponPrizeIn,
    DayAudit,
    DrawOut,
    EarnIn,
    GiftPrizeIn,
    LotteryCampaignIn,
    LotteryCampaignList,
    LotteryCampaignOut,
    MemberDraws,
    PointsPrizeIn,
    PrizeOut,
)
from services.loyalty.program.service import forget_program, locked_program
from shared.db import AsyncSession
from shared.events.draws import DrawGiftFulfilled
from shared.inputs import input_defaults
from shared.pagination import PageKey, as_key, encode_cursor, keyset_page

log = logging.getLogger(__name__)


def today() -> date:
    """The brand's day now: the day a draw made now counts on."""
    return domain.quota_day(datetime.now(UTC), input_defaults().business_timezone)


async def create(session: AsyncSession, body: LotteryCampaignIn, *, by: str) -> LotteryCampaignOut:
    """Makes a draw campaign with its prizes (rank = their order, top first).

    Raises :class:`InvalidLotteryCampaign` (422) for ``ends_at`` not later than
    ``starts_at``, probabilities over 10,000 parts in all (at ``prizes``) or a coupon
    definition that does not exist (at ``prizes.<i>.definition_id``)."""
    if body.ends_at <= body.starts_at:
        raise InvalidLotteryCampaign(
            f"ends_at ({body.ends_at.isoformat()}) must be later than starts_at "
            f"({body.starts_at.isoformat()})",
            field="ends_at",
        )
    if body.earn.kind == "per_spend" and body.earn.spend_fen < 100:
        raise InvalidLotteryCampaign(
            "a per_spend rule earns one chance per at least 100 fen", field="earn.spend_fen"
        )
    await locked_program(session)  # purchases read the campaigns with its tokens
    total = sum(prize.probability for prize in body.prizes)
    if total > domain.WHOLE:
        raise InvalidLotteryCampaign(
            f"the prizes' probabilities add up to {total} parts; at most {domain.WHOLE}",
            field="prizes",
        )
    row = LotteryCampaign(
        name=body.name,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        earn_kind=body.earn.kind,
        earn_spend_fen=body.earn.spend_fen,
        created_by=by,
    )
    session.add(row)
    await session.flush()
    for rank, prize in enumerate(body.prizes, start=1):
        if isinstance(prize, CouponPrizeIn):
            try:
                await coupons.get_definition(session, prize.definition_id)
            except CouponDefinitionNotFound:
                raise InvalidLotteryCampaign(
                    f"definition_id {prize.definition_id} names no coupon definition",
                    field=f"prizes.{rank - 1}.definition_id",
                ) from None
        session.add(
            LotteryPrize(
                campaign_id=row.campaign_id,
                rank=rank,
                name=prize.name,
                kind=prize.kind,
                definition_id=prize.definition_id if isinstance(prize, CouponPrizeIn) else None,
                points=prize.points if isinstance(prize, PointsPrizeIn) else None,
                gift_name=prize.gift_name if isinstance(prize, GiftPrizeIn) else None,
                probability=prize.probability,
                daily_quota=prize.daily_quota,
                fallback=prize.fallback,
            )
        )
    await session.flush()
    forget_program(session)  # the campaigns kept for purchases no longer hold
    return (await _outs(session, [row]))[0]


async def get(session: AsyncSession, campaign_id: uuid.UUID) -> LotteryCampaignOut:
    """The campaign with its prizes and what each has won today. Raises
    :class:`LotteryCampaignNotFound` (404)."""
    return (await _outs(session, [await existing(session, campaign_id)]))[0]


async def latest(session: AsyncSession, limit: int, before: PageKey | None) -> LotteryCampaignList:
    """The campaigns the latest starting first, ``limit`` at a time, after the page that
    ended at ``before``; ``next_cursor`` is None on the last page."""
    rows, next_cursor = keyset_page(
        await repository.latest(session, limit + 1, as_key(before)),
        limit,
        lambda row: encode_cursor(row.starts_at, row.campaign_id),
    )
    return LotteryCampaignList(items=await _outs(session, rows), next_cursor=next_cursor)


def _draw_cursor(row: tuple[LotteryDraw, GiftFulfilment | None]) -> str:
    return encode_cursor(row[0].drawn_at, row[0].draw_id)


async def end(session: AsyncSession, campaign_id: uuid.UUID, *, by: str) -> LotteryCampaignOut:
    """Ends the campaign now: later purchases earn no chances in it and no draw is made.
    One not started gets the empty window now–now (it never runs: how a planned one is
    cancelled). Unused chances lapse with it. Takes the program's lock first (purchase
    batches read the campaigns' token with it), then the campaign's row, and reads the
    clock after both. Raises :class:`LotteryCampaignNotFound` (404) and
    :class:`LotteryCampaignEnded` (409) once its end has come."""
    await locked_program(session)
    row = await repository.locked_campaign(session, campaign_id)
    if row is None:
        raise LotteryCampaignNotFound(f"No draw campaign {campaign_id}")
    now = datetime.now(UTC)
    if row.ends_at <= now:
        raise LotteryCampaignEnded(
            f"draw campaign {campaign_id} ended at {row.ends_at.astimezone(UTC).isoformat()}"
        )
    row.starts_at = min(row.starts_at, now)
    row.ends_at = now
    await session.flush()
    forget_program(session)  # the campaigns kept for purchases no longer hold
    log.info("draw campaign %s ended early by %s", campaign_id, by)
    return (await _outs(session, [row]))[0]


async def existing(session: AsyncSession, campaign_id: uuid.UUID) -> LotteryCampaign:
    row = await repository.campaign(session, campaign_id)
    if row is None:
        raise LotteryCampaignNotFound(f"No draw campaign {campaign_id}")
    return row


def prize_out(prize: LotteryPrize, won: int) -> PrizeOut:
    return PrizeOut(
        prize_id=prize.prize_id,
        rank=prize.rank,
        name=prize.name,
        kind=cast(domain.PrizeKind, prize.kind),
        definition_id=prize.definition_id,
        points=prize.points,
        gift_name=prize.gift_name,
        probability=prize.probability,
        daily_quota=prize.daily_quota,
        fallback=cast(domain.Fallback, prize.fallback),
        won_today=won,
    )


async def _prize_outs(
    session: AsyncSession, campaign_ids: list[uuid.UUID], day: date
) -> dict[uuid.UUID, PrizeOut]:
    return await _outs_of(session, await repository.prizes(session, campaign_ids), day)


async def _outs_of(
    session: AsyncSession, prizes: Sequence[LotteryPrize], day: date
) -> dict[uuid.UUID, PrizeOut]:
    won = await repository.won_on(session, [prize.prize_id for prize in prizes], day)
    return {prize.prize_id: prize_out(prize, won.get(prize.prize_id, 0)) for prize in prizes}


async def _outs(session: AsyncSession, rows: list[LotteryCampaign]) -> list[LotteryCampaignOut]:
    prizes = await repository.prizes(session, [row.campaign_id for row in rows])
    outs = await _outs_of(session, prizes, today())
    return [
        LotteryCampaignOut(
            id=row.campaign_id,
            name=row.name,
            starts_at=row.starts_at.astimezone(UTC),
            ends_at=row.ends_at.astimezone(UTC),
            earn=EarnIn(kind=cast(domain.EarnKind, row.earn_kind), spend_fen=row.earn_spend_fen),
            prizes=[outs[p.prize_id] for p in prizes if p.campaign_id == row.campaign_id],
            created_at=row.created_at,
            created_by=row.created_by,
        )
        for row in rows
    ]


def draw_out(
    draw: LotteryDraw,
    prizes: dict[uuid.UUID, PrizeOut],
    gift: GiftFulfilment | None,
    chances_left: int | None = None,
) -> DrawOut:
    return DrawOut(
        draw_id=draw.draw_id,
        campaign_id=draw.campaign_id,
        member_id=draw.member_id,
        random_value=draw.random_value,
        drawn_prize_id=draw.drawn_prize_id,
        prize=prizes[draw.prize_id] if draw.prize_id is not None else None,
        quota_day=draw.quota_day,
        coupon_id=draw.coupon_id,
        entry_id=draw.entry_id,
        fulfilled_at=gift.fulfilled_at if gift is not None else None,
        chances_left=chances_left,
        drawn_at=draw.drawn_at,
    )


async def member_draws(
    session: AsyncSession, member_id: uuid.UUID, limit: int, before: PageKey | None
) -> MemberDraws:
    """The member's unused chances per campaign (whole on every page) and their draws, the
    latest first, ``limit`` at a time after the page that ended at ``before`` (a member
    loyalty does not know has none: empty lists, not a 404)."""
    rows, next_cursor = keyset_page(
        await repository.draws(
            session, member_id=member_id, limit=limit + 1, before=as_key(before)
        ),
        limit,
        _draw_cursor,
    )
    prizes = await _prize_outs(session, list({draw.campaign_id for draw, _ in rows}), today())
    return MemberDraws(
        chances=[
            Chances(campaign_id=row.campaign_id, chances=row.balance)
            for row in await repository.balances(session, member_id)
        ],
        items=[draw_out(draw, prizes, gift) for draw, gift in rows],
        next_cursor=next_cursor,
    )


async def day_audit(
    session: AsyncSession, campaign_id: uuid.UUID, day: date, limit: int, before: PageKey | None
) -> DayAudit:
    """Each prize's count on the brand's ``day`` (whole on every page) and the campaign's
    draws counted on it, the latest first, ``limit`` at a time after the page that ended
    at ``before``. Raises :class:`LotteryCampaignNotFound` (404)."""
    await existing(session, campaign_id)
    prizes = await _prize_outs(session, [campaign_id], day)
    rows, next_cursor = keyset_page(
        await repository.draws(
            session, campaign_day=(campaign_id, day), limit=limit + 1, before=as_key(before)
        ),
        limit,
        _draw_cursor,
    )
    return DayAudit(
        campaign_id=campaign_id,
        day=day,
        prizes=sorted(prizes.values(), key=lambda p: p.rank),
        items=[draw_out(draw, prizes, gift) for draw, gift in rows],
        next_cursor=next_cursor,
    )


async def fulfil(session: AsyncSession, draw_id: uuid.UUID, *, by: str) -> DrawOut:
    """Marks the gift the draw won as handed over (``loyalty.draw.fulfilled`` once; a
    second call answers the same). Raises :class:`FulfilmentNotFound` (404) for a draw
    that won no gift."""
    gift, marked = await repository.fulfil(session, draw_id, datetime.now(UTC), by)
    draw = await session.get(LotteryDraw, draw_id)
    if gift is None or draw is None or gift.fulfilled_at is None:
        raise FulfilmentNotFound(f"Draw {draw_id} won no gift")
    if marked:
        await emit(
            session,
            DrawGiftFulfilled(
                draw_id=draw_id,
                member_id=gift.member_id,
                prize_id=gift.prize_id,
                fulfilled_at=gift.fulfilled_at,
            ),
        )
    prizes = await _prize_outs(session, [draw.campaign_id], draw.quota_day)
    return draw_out(draw, prizes, gift)
