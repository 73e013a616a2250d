"""Customer consuming messaging's opt-outs: each becomes the member's consent change,
published once as ``customer.member.consent_changed``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select

from services.customer.base import outbox
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.events.messaging import Channel, MemberOptedOut, MessageClass
from tests.customer.conftest import new_phone
from tests.stack import Stack, staff_headers

SERVICE = staff_headers("service")


def _opted_out(
    member_id: uuid.UUID, channel: Channel, message_class: MessageClass = "marketing"
) -> CloudEvent:
    payload = MemberOptedOut(
        member_id=member_id,
        channel=channel,
        message_class=message_class,
        source="sms_reply",
        opted_out_at=datetime.now(UTC),
    )
    return CloudEvent.of(payload, source="/huiyuan/messaging")


async def _consent_changes(sessions: Sessions, member_id: uuid.UUID) -> list[dict[str, Any]]:
    table = outbox.table
    async with sessions() as session:
        rows = await session.scalars(
            select(table.c.envelope).where(
                table.c.key == str(member_id),
                table.c.event_type == "customer.member.consent_changed",
            )
        )
        return [envelope["data"] for envelope in rows]


async def test_an_opt_out_becomes_the_members_consent_change_once(
    customer: httpx.AsyncClient, customer_sessions: Sessions, stack: Stack
) -> None:
    body = {"name": "李雷", "phone": new_phone(), "consent": {"sms": True, "email": True}}
    created = await customer.post("/members", json=body, headers=SERVICE)
    member_id = uuid.UUID(created.json()["id"])
    handlers = stack.handlers("customer")
    for event in (
        _opted_out(member_id, "sms"),
        _opted_out(member_id, "sms"),  # a second reply: nothing more
        _opted_out(member_id, "sms", "transactional"),  # not a member's to withdraw
        _opted_out(uuid.uuid4(), "email"),  # erased since: nobody to change
    ):
        async with transaction(customer_sessions) as session:
            await handlers[event.type](session, event)

    (changed,) = await _consent_changes(customer_sessions, member_id)
    assert (changed["consent"], changed["marketing"]) == (
        {"sms": True, "email": True},
        {"sms": False, "email": True},
    )
    profile = (await customer.get(f"/members/{member_id}", headers=SERVICE)).json()
    assert profile["consent"]["marketing"] == {"sms": False, "email": True}
    history = (await customer.get(f"/members/{member_id}/history", headers=SERVICE)).json()
    assert [
        (item["fields"], item["actor_kind"])
        for item in history["items"]
        if item["action"] == "consent_changed"
    ] == [(["marketing.sms"], "member")]
