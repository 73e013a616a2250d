"""Loyalty's notices through the real broker to the real SMTP server and SMS gateway: each
is sent once, also when the broker delivers its events again to a restarted messaging."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlmodel import col, select

from huiyuan.embedded.provider_store import read_emails, read_sms
from services.messaging.notifications.models import Notification
from shared.db import Sessions
from shared.events import CloudEvent
from shared.kafka import create_producer
from tests.messaging import events
from tests.messaging.conftest import SmsEndpoint, SmtpEndpoint
from tests.stack import Stack, consumer_caught_up, eventually, running, skip_backlog


async def _publish(stack: Stack, member_id: uuid.UUID, *published: CloudEvent) -> None:
    """On the broker as their producers publish them: keyed by the member."""
    producer = create_producer(stack.bootstrap_servers)
    await producer.start()
    try:
        for event in published:
            await producer.send_and_wait(event.topic, event.to_json(), key=str(member_id).encode())
    finally:
        await producer.stop()


async def _statuses(sessions: Sessions, member_id: uuid.UUID) -> list[tuple[str, str, str]]:
    """(template, channel, status) of each of the member's notifications, sorted."""
    async with sessions() as session:
        rows = await session.scalars(
            select(Notification).where(col(Notification.member_id) == member_id)
        )
        return sorted((row.template, row.channel, row.status) for row in rows)


async def test_loyalty_notices_reach_the_member_once_across_redelivery_and_restart(
    stack: Stack,
    messaging_sessions: Sessions,
    smtp_server: SmtpEndpoint,
    sms_gateway: SmsEndpoint,
) -> None:
    member_id, phone = uuid.uuid4(), events.phone()
    email = f"n{member_id.hex[:8]}@example.com"
    registered = await events.registered(member_id, phone_number=phone, email=email)
    expiring = events.points_expiring(member_id, (800, date(2026, 12, 31)))
    # staff's assignment "until 2027-03-31" ends at the next midnight in Shanghai
    manual = events.tier_changed(
        member_id, "up", "金卡", change="manual", until=events.brand_midnight(date(2027, 4, 1))
    )
    ordered = events.reward_ordered(member_id, uuid.uuid4(), balance=100)
    published = (registered, expiring, manual, ordered)

    # a group of its own at the topics' end: earlier tests' events are not this test's
    group = f"messaging-notices-{uuid.uuid4().hex[:8]}"
    topics = stack.app("messaging").state.spec.subscriptions
    await skip_backlog(stack.bootstrap_servers, group, topics)
    settings: dict[str, Any] = {
        "consumer_group_id": group,
        "smtp_port": smtp_server.port,
        "sms_gateway_url": sms_gateway.url,
        "sms_api_key": sms_gateway.api_key,
    }
    templates = ("welcome", "points_expiring", "tier_manual", "reward_ordered")
    all_sent = sorted((t, channel, "sent") for t in templates for channel in ("email", "sms"))

    async def sent() -> bool:
        return await _statuses(messaging_sessions, member_id) == all_sent

    await _publish(stack, member_id, *published)
    async with running(stack.app("messaging", **settings)):
        await eventually(sent, timeout=30, interval=0.2)

    # the broker delivers every event again (a producer's retry, a rebalance) to a
    # messaging that restarted
    await _publish(stack, member_id, *published)
    async with running(stack.app("messaging", **settings)):

        async def consumed() -> bool:
            return await consumer_caught_up(stack.bootstrap_servers, group, topics)

        await eventually(consumed, timeout=30, interval=0.2)
    assert await _statuses(messaging_sessions, member_id) == all_sent

    texts = sorted(s.text for s in read_sms(sms_gateway.store_dir) if s.to == phone)
    assert len(texts) == len(templates)
    assert ("李雷，您有 800 积分即将过期：800 积分有效期至2026年12月31日。请及时使用！") in texts
    assert "李雷，您的会员等级已设为金卡，有效期至2027年3月31日，相应权益即刻生效。" in texts
    assert ("李雷，您已使用 400 积分兑换环保袋 × 2，当前积分余额 100。") in texts
    subjects = sorted(e.subject for e in read_emails(smtp_server.store_dir) if email in e.rcpt_tos)
    assert subjects == sorted(
        [
            "欢迎加入会员，李雷！",
            "您有 800 积分即将过期",
            "您的会员等级现为金卡",
            "兑换成功：环保袋 × 2",
        ]
    )
