from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import func, select

from huiyuan.embedded.ports import free_port
from services.messaging.webhooks.models import WebhookSubscription
from shared.db import Sessions, transaction
from shared.inbox import Handlers
from tests.messaging.webhooks.conftest import EVENT_TYPE, account_opened
from tests.stack import Stack, running, staff_headers

ADMIN = staff_headers("admin")
URL = "http://127.0.0.1:9/hooks"


def _keyed() -> dict[str, str]:
    return ADMIN | {"Idempotency-Key": uuid.uuid4().hex}


@pytest.fixture(scope="module")
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """One running app for the module; receivers on a closed port, as nothing is read."""
    app = stack.app(
        "messaging", smtp_port=free_port(), sms_gateway_url=f"http://127.0.0.1:{free_port()}"
    )
    async with running(app) as client:
        yield client


async def _create(client: httpx.AsyncClient, **body: object) -> dict[str, object]:
    response = await client.post(
        "/webhook-subscriptions",
        json={"url": URL, "event_types": [EVENT_TYPE]} | body,
        headers=_keyed(),
    )
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


async def _count(sessions: Sessions) -> int:
    async with sessions() as session:
        return int(
            (
                await session.execute(select(func.count()).select_from(WebhookSubscription))
            ).scalar_one()
        )


async def test_a_subscription_shows_its_secret_once_and_keeps_it_encrypted(
    client: httpx.AsyncClient, messaging_sessions: Sessions
) -> None:
    response = await client.post(
        "/webhook-subscriptions",
        json={"url": URL, "event_types": [EVENT_TYPE, EVENT_TYPE], "description": "CRM"},
        headers=(key := _keyed()),
    )
    again = await client.post(
        "/webhook-subscriptions",
        json={"url": URL, "event_types": [EVENT_TYPE, EVENT_TYPE], "description": "CRM"},
        headers=key,
    )
    created = response.json()
    read = await client.get(f"/webhook-subscriptions/{created['id']}", headers=ADMIN)

    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/webhook-subscriptions/{created['id']}"
    assert created["secret"].startswith("whsec_")
    assert len(base64.b64decode(created["secret"].removeprefix("whsec_"))) == 32
    assert created["event_types"] == [EVENT_TYPE]
    assert created["active"] is True
    assert again.json() == created
    assert again.headers["idempotent-replayed"] == "true"
    assert read.status_code == 200
    assert "secret" not in read.json()
    assert read.json() == {k: v for k, v in created.items() if k != "secret"}
    async with messaging_sessions() as session:
        row = await session.get(WebhookSubscription, uuid.UUID(created["id"]))
    assert row is not None
    assert created["secret"] not in row.secret_encrypted
    assert await _count(messaging_sessions) == 1


@pytest.mark.parametrize(
    ("body", "location", "problem"),
    [
        (
            {"event_types": [EVENT_TYPE, "loyalty.points.stolen"]},
            "body.event_types.1",
            "invalid-request",
        ),
        ({"event_types": []}, "body.event_types", "invalid-request"),
        ({"url": "ftp://example.com/hooks"}, "body.url", "webhook-url-refused"),
        ({"url": "https://user:pw@example.com/hooks"}, "body.url", "webhook-url-refused"),
        ({"description": "two\nlines"}, "body.description", "invalid-request"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(
    client: httpx.AsyncClient,
    messaging_sessions: Sessions,
    body: dict[str, object],
    location: str,
    problem: str,
) -> None:
    response = await client.post(
        "/webhook-subscriptions",
        json={"url": URL, "event_types": [EVENT_TYPE]} | body,
        headers=_keyed(),
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert problem in response.json()["type"]
    assert [e["location"] for e in response.json()["errors"]] == [location]
    assert await _count(messaging_sessions) == 0


async def test_an_unknown_event_type_is_named_in_plain_words(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/webhook-subscriptions",
        json={"url": URL, "event_types": ["loyalty.points.earnt"]},
        headers=_keyed(),
    )

    assert response.json()["errors"][0]["message"] == (
        "is not an event type Huiyuan publishes (see docs/events.md)"
    )


async def test_only_admin_manages_subscriptions(client: httpx.AsyncClient) -> None:
    for role in ("marketing", "service", "analyst"):
        response = await client.get("/webhook-subscriptions", headers=staff_headers(role))
        assert response.status_code == 403, role
    assert (await client.get("/webhook-subscriptions")).status_code == 401


async def test_subscriptions_list_in_pages_and_change_by_merge_patch(
    client: httpx.AsyncClient,
) -> None:
    ids = [(await _create(client, description=f"n{i}"))["id"] for i in range(3)]
    first = (await client.get("/webhook-subscriptions", params={"limit": 2}, headers=ADMIN)).json()
    rest = (
        await client.get(
            "/webhook-subscriptions", params={"cursor": first["next_cursor"]}, headers=ADMIN
        )
    ).json()
    stopped = await client.patch(
        f"/webhook-subscriptions/{ids[0]}",
        json={"active": False, "description": None, "event_types": ["orders.purchase.completed"]},
        headers=ADMIN,
    )
    resumed = await client.patch(
        f"/webhook-subscriptions/{ids[0]}", json={"active": True}, headers=ADMIN
    )
    refused = await client.patch(
        f"/webhook-subscriptions/{ids[0]}", json={"url": "gopher://x"}, headers=ADMIN
    )

    assert [s["id"] for s in first["items"] + rest["items"]] == ids
    assert rest["next_cursor"] is None
    assert all("secret" not in s for s in first["items"])
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["active"] is False
    assert stopped.json()["disabled_reason"] == "disabled by staff"
    assert stopped.json()["description"] is None
    assert stopped.json()["event_types"] == ["orders.purchase.completed"]
    assert resumed.json()["active"] is True
    assert resumed.json()["disabled_reason"] is None
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["location"] == "body.url"


async def test_a_deleted_subscription_is_gone_and_a_repeat_is_404(
    client: httpx.AsyncClient,
) -> None:
    sid = (await _create(client))["id"]

    deleted = await client.delete(f"/webhook-subscriptions/{sid}", headers=ADMIN)
    again = await client.delete(f"/webhook-subscriptions/{sid}", headers=ADMIN)
    read = await client.get(f"/webhook-subscriptions/{sid}", headers=ADMIN)

    assert deleted.status_code == 200
    assert deleted.json() == {"id": sid}
    assert again.status_code == 404
    assert read.status_code == 404
    assert "webhook-subscription-not-found" in read.json()["type"]


async def test_a_rotation_shows_a_new_secret_and_keeps_the_old_one_for_a_day(
    client: httpx.AsyncClient,
) -> None:
    created = await _create(client)
    path = f"/webhook-subscriptions/{created['id']}/rotate-secret"

    key = _keyed()
    rotated = await client.post(path, headers=key)
    replayed = await client.post(path, headers=key)
    unknown = await client.post(
        f"/webhook-subscriptions/{uuid.uuid4()}/rotate-secret", headers=_keyed()
    )
    unkeyed = await client.post(path, headers=ADMIN)

    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"] not in (created["secret"], None)
    assert replayed.json() == rotated.json()
    until = datetime.fromisoformat(rotated.json()["previous_secret_until"])
    assert abs(until - (datetime.now(UTC) + timedelta(hours=24))) < timedelta(minutes=1)
    assert unknown.status_code == 404
    assert unkeyed.status_code == 422
    assert unkeyed.json()["errors"][0]["location"] == "header.Idempotency-Key"


async def test_deliveries_list_by_status_and_a_replay_sends_one_again(
    client: httpx.AsyncClient, messaging_sessions: Sessions, handlers: Handlers
) -> None:
    sid = (await _create(client))["id"]
    event = account_opened()
    async with transaction(messaging_sessions) as session:
        await handlers[event.type](session, event)
    path = f"/webhook-subscriptions/{sid}/deliveries"

    pending = (await client.get(path, params={"status": "pending"}, headers=ADMIN)).json()
    delivered = (await client.get(path, params={"status": "delivered"}, headers=ADMIN)).json()
    bad = await client.get(path, params={"status": "lost"}, headers=ADMIN)
    [delivery] = pending["items"]
    replay = await client.post(f"{path}/{delivery['id']}/replay", headers=ADMIN)
    detail = await client.get(f"{path}/{delivery['id']}", headers=ADMIN)
    missing = await client.post(f"{path}/{uuid.uuid4()}/replay", headers=ADMIN)
    await client.patch(f"/webhook-subscriptions/{sid}", json={"active": False}, headers=ADMIN)
    inactive = await client.post(f"{path}/{delivery['id']}/replay", headers=ADMIN)

    assert delivery["event_id"] == event.id
    assert delivery["event_type"] == EVENT_TYPE
    assert delivered["items"] == []
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["location"] == "query.status"
    assert replay.status_code == 200, replay.text
    assert replay.json()["id"] == delivery["id"]
    assert replay.json()["status"] == "pending"
    assert detail.json()["attempt_log"] == [] or detail.json()["attempt_log"][0]["error"]
    assert missing.status_code == 404
    assert "webhook-delivery-not-found" in missing.json()["type"]
    assert inactive.status_code == 409, inactive.text
