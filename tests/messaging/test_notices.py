"""Notices of loyalty and the service desk, each through its handler into the real
database: a coupon about to expire, a referral rewarded (the friend never named), a prize
won in a draw (a draw without one tells nobody) and a ticket escalated to a manager (an
anonymous caller's tells nobody). Each is transactional (no opt-out instruction), in the
member's language, and queued once per event however often it is delivered."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlmodel import col, select

from services.messaging.notifications.models import Notification
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.events.customer import Locale
from shared.inbox import Handlers
from tests.messaging import events


async def _apply(sessions: Sessions, handlers: Handlers, event: CloudEvent) -> None:
    async with transaction(sessions) as session:
        await handlers[event.type](session, event)


async def _member(sessions: Sessions, handlers: Handlers, locale: Locale) -> uuid.UUID:
    """A registered member with SMS and email consent, in ``locale``, named Lei / 李雷."""
    member_id = uuid.uuid4()
    name = "Lei" if locale == "en" else "李雷"
    registered = await events.registered(
        member_id, phone_number=events.phone(), locale=locale, name=name
    )
    await _apply(sessions, handlers, registered)
    return member_id


async def _bodies(sessions: Sessions, member_id: uuid.UUID, template: str) -> dict[str, str]:
    """The queued text (an email's: its subject, a line break, its body) per channel."""
    async with sessions() as session:
        query = select(Notification).where(
            col(Notification.member_id) == member_id, col(Notification.template) == template
        )
        rows = list(await session.scalars(query))
    assert all(row.status == "queued" for row in rows)
    return {row.channel: f"{row.subject or ''}\n{row.body}".lstrip("\n") for row in rows}


NOTICES = [
    pytest.param(
        lambda m: events.coupon_expiring(m, date(2026, 12, 31), 3_000),
        "coupon_expiring",
        "zh-CN",
        "李雷，您的优惠券「满200减30 周年庆」（最高抵 30 元）有效期至2026年12月31日，请及时使用。",
        "您的优惠券「满200减30 周年庆」即将到期",
        id="coupon-expiring",
    ),
    pytest.param(
        lambda m: events.coupon_expiring(m, date(2027, 1, 5), 1_250),
        "coupon_expiring",
        "en",
        'Lei, your coupon "满200减30 周年庆" (up to ¥12.50 off) is valid until 5 Jan 2027. '
        "Use it before then!",
        "cannot be used after that",
        id="coupon-expiring-en",
    ),
    pytest.param(
        lambda m: events.referral_rewarded(m, 2_000),
        "referral_rewarded",
        "zh-CN",
        "李雷，感谢您推荐好友加入！好友已完成首次消费，"
        "您获得一张 20 元优惠券，已放入您的会员账户。",
        "推荐有礼：您获得一张 20 元优惠券",
        id="referral-rewarded",
    ),
    pytest.param(
        lambda m: events.draw_made(m, "points", "二等奖", points=500),
        "draw_won",
        "zh-CN",
        "恭喜李雷！您在抽奖中获得「二等奖」。500 积分已存入您的账户。",
        "500 积分已存入您的会员账户",
        id="draw-points",
    ),
    pytest.param(
        lambda m: events.draw_made(m, "gift", "保温杯"),
        "draw_won",
        "en",
        'Congratulations, Lei! You won "保温杯" in our draw. '
        "Collect your gift at a store with your member card.",
        'Congratulations, you won "保温杯"!\nHi Lei,',
        id="draw-gift-en",
    ),
    pytest.param(
        lambda m: events.draw_made(m, "coupon"),
        "draw_won",
        "zh-CN",
        "恭喜李雷！您在抽奖中获得奖品。优惠券已放入您的会员账户。",
        "恭喜您抽中奖品",
        id="draw-coupon-unnamed",
    ),
    pytest.param(
        lambda m: events.ticket_escalated(m),
        "ticket_escalated",
        "zh-CN",
        "李雷，您的第 4711 号服务单已转交门店经理优先处理，我们会尽快与您联系，感谢您的耐心。",
        "（服务单第 4711 号）未能在承诺时间内处理完毕",
        id="ticket-escalated",
    ),
    pytest.param(
        lambda m: events.ticket_escalated(m, number=None),
        "ticket_escalated",
        "en",
        "Lei, your ticket has gone to a manager to be handled first. We will be in touch soon; "
        "thank you for your patience.",
        "Your ticket has gone to a manager\nHi Lei,",
        id="ticket-escalated-unnumbered-en",
    ),
]


@pytest.mark.parametrize(("make", "template", "locale", "sms", "in_email"), NOTICES)
async def test_a_notice_reaches_both_channels_once_in_the_members_language(
    messaging_sessions: Sessions,
    handlers: Handlers,
    make: object,
    template: str,
    locale: Locale,
    sms: str,
    in_email: str,
) -> None:
    member_id = await _member(messaging_sessions, handlers, locale)
    assert callable(make)
    event: CloudEvent = make(member_id)
    await _apply(messaging_sessions, handlers, event)
    await _apply(messaging_sessions, handlers, event)  # redelivered: nothing more

    bodies = await _bodies(messaging_sessions, member_id, template)
    assert set(bodies) == {"sms", "email"}
    assert bodies["sms"] == sms  # transactional: no opt-out instruction
    assert in_email in bodies["email"]


async def test_the_referrer_is_not_told_who_the_friend_is(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    referrer = await _member(messaging_sessions, handlers, "zh-CN")
    event = events.referral_rewarded(referrer, 2_000)
    await _apply(messaging_sessions, handlers, event)
    friend = event.data["friend_member_id"]
    for body in (await _bodies(messaging_sessions, referrer, "referral_rewarded")).values():
        assert str(friend) not in body


async def test_a_draw_without_a_prize_and_an_anonymous_ticket_tell_nobody(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = await _member(messaging_sessions, handlers, "zh-CN")
    await _apply(messaging_sessions, handlers, events.draw_made(member_id, None))
    anonymous = events.ticket_escalated(None)
    await _apply(messaging_sessions, handlers, anonymous)
    async with messaging_sessions() as session:
        query = select(Notification).where(
            col(Notification.trigger_event_id).in_([anonymous.id])
            | (col(Notification.member_id) == member_id)
            & col(Notification.template).in_(["draw_won", "ticket_escalated"])
        )
        assert list(await session.scalars(query)) == []
