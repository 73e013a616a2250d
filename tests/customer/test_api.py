from __future__ import annotations

import uuid

from sqlalchemy import func, select

from services.customer.models import Member, outbox
from shared.db import Sessions
from shared.testing.stack import Stack, member_headers, running, staff_headers


def _phone() -> str:
    return f"139{uuid.uuid4().int % 10**8:08d}"


async def test_register_then_read_member(stack: Stack, customer_sessions: Sessions) -> None:
    async with running(stack.app("customer")) as client:
        phone = _phone()
        created = await client.post(
            "/members",
            json={
                "name": "李雷",
                "phone": phone,
                "email": "lilei@example.com",
                "consent": {"sms": True, "email": True},
            },
            headers=staff_headers("service"),
        )
        assert created.status_code == 201, created.text
        member_id = uuid.UUID(created.json()["id"])
        read = await client.get(f"/members/{member_id}", headers=member_headers(member_id))
        assert read.status_code == 200
        assert read.json()["phone"] == phone
        listed = await client.get("/members", params={"phone": phone}, headers=staff_headers())
        assert listed.json()["items"][0]["phone_masked"] == phone[:3] + "****" + phone[-4:]
    async with customer_sessions() as session:
        stored = await session.get(Member, member_id)
        assert stored is not None
        assert phone not in stored.phone_encrypted
        count = await session.scalar(
            select(func.count())
            .select_from(outbox.table)
            .where(outbox.table.c.key == str(member_id))
        )
        assert count == 1


async def test_bad_phone_is_a_problem(stack: Stack) -> None:
    async with running(stack.app("customer")) as client:
        response = await client.post(
            "/members", json={"name": "x", "phone": "12345"}, headers=staff_headers()
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert "phone" in response.json()["detail"]
