"""Loyalty keeps customer's referrals (inbox, idempotent) and lists them to the referrer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlmodel import col, select

from services.loyalty.referrals.domain import masked_friend
from services.loyalty.referrals.models import Referral
from shared.db import Sessions
from shared.events import CloudEvent
from shared.events.customer import MemberReferred
from shared.testing.records import consumer_record
from tests.loyalty.conftest import event_consumer
from tests.stack import every_item, member_headers, newest_first, staff_headers

AT = datetime(2026, 11, 30, 6, 12, tzinfo=UTC)


def referred_event(friend: uuid.UUID, referrer: uuid.UUID, at: datetime = AT) -> CloudEvent:
    payload = MemberReferred(member_id=friend, referrer_id=referrer, referred_at=at)
    return CloudEvent.of(payload, source="/huiyuan/customer")


async def _referrals_of_friend(sessions: Sessions, friend: uuid.UUID) -> list[Referral]:
    async with sessions() as session:
        query = select(Referral).where(col(Referral.friend_member_id) == friend)
        return list((await session.scalars(query)).all())


def test_a_friend_is_masked_to_the_last_four_hex_digits_of_their_id() -> None:
    friend = uuid.UUID("7d1c0a52-7a7e-4d39-9a55-0c8f4c1f9e2b")
    assert masked_friend(friend) == "****9e2b"


async def test_a_referral_is_kept_once_however_often_it_arrives(
    loyalty_sessions: Sessions,
) -> None:
    consumer = event_consumer(loyalty_sessions)
    friend, referrer = uuid.uuid4(), uuid.uuid4()
    event = referred_event(friend, referrer)
    await consumer.apply([consumer_record(event, offset=0)])
    await consumer.apply([consumer_record(event, offset=0)])  # redelivered: the inbox
    again = referred_event(friend, uuid.uuid4())  # republished under another id
    await consumer.apply([consumer_record(again, offset=1)])

    (kept,) = await _referrals_of_friend(loyalty_sessions, friend)
    assert (kept.referrer_member_id, kept.state, kept.referred_at) == (referrer, "pending", AT)


async def test_the_referrer_and_staff_list_friends_masked_latest_first(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    consumer = event_consumer(loyalty_sessions)
    referrer = uuid.uuid4()
    first, second = uuid.uuid4(), uuid.uuid4()
    events = [
        referred_event(first, referrer, AT),
        referred_event(second, referrer, AT + timedelta(days=1)),
        referred_event(uuid.uuid4(), uuid.uuid4(), AT),  # someone else's friend
    ]
    await consumer.apply([consumer_record(e, offset=i) for i, e in enumerate(events)])

    own = await client.get(f"/members/{referrer}/referrals", headers=member_headers(referrer))
    assert own.status_code == 200, own.text
    items = own.json()["items"]
    assert [(i["friend"], i["state"], i["referred_at"]) for i in items] == [
        ("****" + second.hex[-4:], "pending", "2026-12-01T06:12:00Z"),
        ("****" + first.hex[-4:], "pending", "2026-11-30T06:12:00Z"),
    ]
    assert str(first) not in own.text
    assert str(second) not in own.text

    staff = await client.get(
        f"/members/{referrer}/referrals", params={"limit": 1}, headers=staff_headers("marketing")
    )
    assert [i["friend"] for i in staff.json()["items"]] == ["****" + second.hex[-4:]]

    other = await client.get(f"/members/{referrer}/referrals", headers=member_headers(first))
    assert other.status_code == 403
    none = await client.get(f"/members/{first}/referrals", headers=member_headers(first))
    assert none.json() == {"items": [], "next_cursor": None}
    bad = await client.get(
        f"/members/{referrer}/referrals", params={"limit": 0}, headers=staff_headers()
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["location"] == "query.limit"


async def test_a_referrers_friends_page_to_the_last_latest_first_ties_by_id(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    referrer = uuid.uuid4()
    days = [0, 1, 1, 2, 3]  # two friends registered at the same instant
    events = [referred_event(uuid.uuid4(), referrer, AT + timedelta(days=d)) for d in days]
    await event_consumer(loyalty_sessions).apply(
        [consumer_record(e, offset=i) for i, e in enumerate(events)]
    )
    path = f"/members/{referrer}/referrals"

    listed = await every_item(client, path, member_headers(referrer), limit=2)
    assert newest_first(listed, "referred_at")
    assert [i["friend"] for i in listed] == [
        i["friend"] for i in await every_item(client, path, staff_headers("marketing"))
    ]
    assert sorted(i["friend"] for i in listed) == sorted(
        "****" + e.data["member_id"][-4:] for e in events
    )

    forged = await client.get(path, params={"cursor": "bm90LW91cnM="}, headers=staff_headers())
    assert forged.status_code == 422
    assert [e["location"] for e in forged.json()["errors"]] == ["query.cursor"]
