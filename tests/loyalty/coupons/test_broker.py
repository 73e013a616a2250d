"""Birthday coupons and their expiry through the real broker: a registration published on
``customer.events`` brings loyalty the birth month and day, the birthday job grants the
coupon, the expiry job expires it, and the relay publishes ``loyalty.coupon.granted`` and
``loyalty.coupon.expired`` keyed by the member."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text

from services.loyalty.coupons.birthdays.service import grant_birthday_coupons
from services.loyalty.coupons.jobs import expire_due
from shared.db import Sessions
from shared.events import CloudEvent
from shared.events.customer import MemberRegistered
from shared.inputs import input_defaults
from shared.kafka import Publisher, Record
from tests.contacts import put_member
from tests.loyalty.conftest import key
from tests.loyalty.coupons.test_api import MARKETING, body
from tests.loyalty.lots.test_broker import _on_the_broker, _published
from tests.stack import Stack, eventually, running, skip_backlog


async def _birthday_of(sessions: Sessions, member_id: uuid.UUID) -> tuple[int, int] | None:
    async with sessions() as session:
        row = (
            await session.execute(
                text("SELECT month, day FROM loyalty.member_birthdays WHERE member_id = :m"),
                {"m": member_id},
            )
        ).first()
    return (row[0], row[1]) if row else None


async def test_a_birthday_coupon_granted_and_expired_through_the_broker(
    stack: Stack, loyalty_sessions: Sessions
) -> None:
    group = f"loyalty-coupons-{uuid.uuid4().hex[:8]}"
    await skip_backlog(
        stack.bootstrap_servers, group, stack.app("loyalty").state.spec.subscriptions
    )
    now = datetime.now(UTC)
    today = now.astimezone(input_defaults().business_timezone).date()
    member_id = uuid.uuid4()
    await put_member(
        member_id, phone="+8613800000002", name="王芳", birthday=date(1992, today.month, today.day)
    )
    registered = CloudEvent.of(
        MemberRegistered(
            member_id=member_id,
            card_number=f"8860{member_id.int % 10**9:09d}",
            phone_hash="2" * 64,
            registered_at=now,
        ),
        source="/huiyuan/customer",
    )
    publisher = Publisher(stack.bootstrap_servers)
    await publisher.start()
    try:
        async with running(stack.app("loyalty", consumer_group_id=group)) as client:
            made = await client.post(
                "/coupons/definitions",
                json=body(name="生日礼券", valid_days=7, per_member_limit=10),
                headers=MARKETING | key(),
            )
            definition_id = made.json()["id"]
            put = await client.put(
                "/coupons/birthday", json={"definition_id": definition_id}, headers=MARKETING
            )
            assert put.status_code == 200, put.text
            try:
                record = Record(registered.topic, registered.key.encode(), registered.to_json())
                await publisher.send([record])
                kept = await eventually(lambda: _birthday_of(loyalty_sessions, member_id), 20)
                assert kept == (today.month, today.day)
                assert await grant_birthday_coupons(loyalty_sessions, now) >= 1
                granted_at = await eventually(
                    lambda: _published(loyalty_sessions, member_id, "loyalty.coupon.granted"),
                    timeout=20,
                )
            finally:
                await client.put(
                    "/coupons/birthday", json={"definition_id": None}, headers=MARKETING
                )
            async with loyalty_sessions.begin() as session:
                await session.execute(
                    text(
                        "UPDATE loyalty.coupons SET valid_until = :t, "
                        "valid_from = CAST(:t AS timestamptz) - interval '7 days' "
                        "WHERE member_id = :m"
                    ),
                    {"m": member_id, "t": now - timedelta(seconds=1)},
                )
            assert await expire_due(loyalty_sessions, now) >= 1
            expired_at = await eventually(
                lambda: _published(loyalty_sessions, member_id, "loyalty.coupon.expired"),
                timeout=20,
            )
    finally:
        await publisher.stop()

    granted = await _on_the_broker(stack.bootstrap_servers, *granted_at)
    assert (granted.type, granted.key) == ("loyalty.coupon.granted", str(member_id))
    assert granted.data["definition_id"] == definition_id
    expired = await _on_the_broker(stack.bootstrap_servers, *expired_at)
    assert (expired.type, expired.key) == ("loyalty.coupon.expired", str(member_id))
    assert expired.data["coupon_id"] == granted.data["coupon_id"]
    assert expired.data["definition_name"] == "生日礼券"
