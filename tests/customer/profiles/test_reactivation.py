"""Reactivation over HTTP: a deactivated member is active again once, with one event
carrying the phone's lookup hash (so tills can name them again) and nothing personal."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select

from services.customer.base import outbox
from shared.crypto import PiiCipher
from shared.db import Sessions
from shared.settings import DEV_PII_KEY
from tests.customer.conftest import new_phone
from tests.stack import member_headers, staff_headers

SERVICE = staff_headers("service")


async def _reactivated(sessions: Sessions, member_id: str) -> list[dict[str, object]]:
    table = outbox.table
    async with sessions() as session:
        rows = await session.scalars(
            select(table.c.envelope).where(
                table.c.key == member_id, table.c.event_type == "customer.member.reactivated"
            )
        )
        return [envelope["data"] for envelope in rows]


async def test_a_deactivated_member_is_reactivated_once_and_can_change_again(
    customer: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    phone = new_phone()
    created = await customer.post(
        "/members", json={"name": "李雷", "phone": phone}, headers=SERVICE
    )
    member_id = created.json()["id"]
    url = f"/members/{member_id}"
    assert (await customer.post(f"{url}/reactivate", headers=SERVICE)).json()["status"] == "active"
    assert await _reactivated(customer_sessions, member_id) == []  # active: nothing to do
    await customer.post(f"{url}/deactivate", headers=SERVICE)

    for _ in range(2):
        answer = await customer.post(f"{url}/reactivate", headers=SERVICE)
        assert answer.status_code == 200, answer.text
        assert (answer.json()["status"], answer.headers["etag"]) == ("active", '"3"')

    (event,) = await _reactivated(customer_sessions, member_id)
    assert event["phone_hash"] == PiiCipher(DEV_PII_KEY).phone_hash(phone)
    assert set(event) == {"member_id", "phone_hash", "reactivated_at"}
    edited = await customer.patch(url, json={"name": "李磊"}, headers=SERVICE | {"If-Match": '"3"'})
    assert edited.status_code == 200, edited.text


async def test_reactivation_is_for_the_desk(customer: httpx.AsyncClient) -> None:
    unknown = uuid.uuid4()
    missing = await customer.post(f"/members/{unknown}/reactivate", headers=SERVICE)
    assert missing.status_code == 404
    own = await customer.post(f"/members/{unknown}/reactivate", headers=member_headers(unknown))
    assert own.status_code == 403
