from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from shared.db import Sessions
from shared.inbox import Handlers
from tests.messaging import events
from tests.messaging.notifications.conftest import feed
from tests.messaging.rows import insert_notification
from tests.stack import every_item, member_headers, newest_first, staff_headers


async def test_a_member_reads_their_notifications_masked_newest_first(
    client: httpx.AsyncClient, messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id, phone = uuid.uuid4(), events.phone()
    await feed(
        messaging_sessions,
        handlers,
        await events.registered(member_id, phone_number=phone, email_consent=False),
        events.points_earned(member_id),
    )
    response = await client.get(
        f"/members/{member_id}/notifications", headers=member_headers(member_id)
    )
    by_staff = await client.get(
        f"/members/{member_id}/notifications",
        params={"limit": 1},
        headers=staff_headers("marketing"),
    )

    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert len(items) == 4
    assert {i["template"] for i in items[:2]} == {"points_earned"}
    assert {i["template"] for i in items[2:]} == {"welcome"}
    masked = {i["channel"]: i["recipient_masked"] for i in items}
    assert masked == {"sms": events.masked(phone), "email": "l****@example.com"}
    assert phone[3:] not in response.text
    assert "lilei@" not in response.text
    suppressed = next(i for i in items if i["channel"] == "email")
    assert suppressed["status"] == "suppressed"
    assert "consent" in suppressed["error"]
    assert suppressed["reason"] == suppressed["error"]
    assert set(items[0]) == {
        "id",
        "channel",
        "template",
        "status",
        "recipient_masked",
        "subject",
        "created_at",
        "sent_at",
        "provider_message_id",
        "provider",
        "cost_fen",
        "error",
        "reason",
    }
    assert by_staff.status_code == 200
    assert len(by_staff.json()["items"]) == 1


async def test_a_members_notifications_page_to_the_last_newest_first_ties_by_id(
    client: httpx.AsyncClient, messaging_sessions: Sessions
) -> None:
    member_id, at = uuid.uuid4(), datetime.now(UTC).replace(microsecond=0)
    for channel, seconds in [("sms", 0), ("email", 1), ("sms", 1), ("email", 1), ("sms", 2)]:
        await insert_notification(
            messaging_sessions,
            channel=channel,
            to="+8613912345678" if channel == "sms" else "a@example.com",
            body="金卡",
            status="sent",  # nothing for the dispatcher to change while the test reads
            created_at=at + timedelta(seconds=seconds),
            member_id=member_id,
        )
    path = f"/members/{member_id}/notifications"

    listed = await every_item(client, path, member_headers(member_id), limit=2)
    assert len(listed) == 5
    assert newest_first(listed, "created_at")
    sms = await every_item(client, path, staff_headers("service"), limit=1, channel="sms")
    assert [n["id"] for n in sms] == [n["id"] for n in listed if n["channel"] == "sms"]


async def test_other_members_and_unprivileged_staff_are_refused(client: httpx.AsyncClient) -> None:
    member_id = uuid.uuid4()
    other = await client.get(
        f"/members/{member_id}/notifications", headers=member_headers(uuid.uuid4())
    )
    analyst = await client.get(
        f"/members/{member_id}/notifications", headers=staff_headers("analyst")
    )
    anonymous = await client.get(f"/members/{member_id}/notifications")
    assert other.status_code == 403
    assert other.headers["content-type"] == "application/problem+json"
    assert "own data" in other.json()["detail"]
    assert analyst.status_code == 403
    assert anonymous.status_code == 401


async def test_bad_parameters_are_problems(client: httpx.AsyncClient) -> None:
    bad_limit = await client.get(
        f"/members/{uuid.uuid4()}/notifications",
        params={"limit": 0},
        headers=staff_headers("service"),
    )
    bad_id = await client.get("/members/nope/notifications", headers=staff_headers())
    for response in (bad_limit, bad_id):
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
    assert "limit" in bad_limit.json()["detail"]


async def test_stats_count_per_channel_and_status(
    client: httpx.AsyncClient, messaging_sessions: Sessions, handlers: Handlers
) -> None:
    before = await client.get("/notifications/stats", headers=staff_headers("analyst"))
    await feed(
        messaging_sessions,
        handlers,
        await events.registered(uuid.uuid4(), phone_number=events.phone(), sms=False, email=None),
    )
    after = await client.get("/notifications/stats", headers=staff_headers("analyst"))
    member = await client.get("/notifications/stats", headers=member_headers(uuid.uuid4()))

    def suppressed(body: dict[str, list[dict[str, object]]], channel: str) -> object:
        rows = [i for i in body["items"] if i["channel"] == channel and i["status"] == "suppressed"]
        return rows[0]["count"] if rows else 0

    assert after.status_code == 200
    for channel in ("sms", "email"):
        assert suppressed(after.json(), channel) == suppressed(before.json(), channel) + 1  # type: ignore[operator]
    assert after.json()["total"] >= before.json()["total"] + 2
    assert member.status_code == 403
