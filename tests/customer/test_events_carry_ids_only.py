"""A registration and a profile edit put neither the member's name, phone number (E.164 or
national) nor email on the real broker or in customer's outbox: events carry ids only,
and whoever keeps contact data reads it from customer (``GET /members/{id}/contact``)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from services.customer.base import outbox
from shared.db import Sessions
from shared.events.customer import MemberRegistered, MemberUpdated
from shared.preconditions import etag
from tests.customer.conftest import new_phone
from tests.stack import Stack, keyed_events, running, staff_headers


async def test_no_contact_data_reaches_the_outbox_or_the_broker(
    stack: Stack, customer_sessions: Sessions
) -> None:
    national, new_national = new_phone(), new_phone()
    name, new_name = f"欧阳{uuid.uuid4().hex[:6]}", f"司马{uuid.uuid4().hex[:6]}"
    email, new_email = f"ouyang.{uuid.uuid4().hex[:8]}@example.com", "sima@example.org"
    async with running(stack.app("customer")) as client:
        created = await client.post(
            "/members",
            json={"name": name, "phone": national, "email": email, "birthday": "1990-05-04"},
            headers=staff_headers("service"),
        )
        assert created.status_code == 201, created.text
        member_id = created.json()["id"]
        edited = await client.patch(
            f"/members/{member_id}",
            json={"name": new_name, "phone": new_national, "email": new_email},
            headers=staff_headers("service") | {"If-Match": etag(1)},
        )
        assert edited.status_code == 200, edited.text
        types = [MemberRegistered.event_type, MemberUpdated.event_type]
        published = await keyed_events(
            stack.bootstrap_servers, "customer.events", member_id, types, wanted=2
        )
    async with customer_sessions() as session:
        rows = (
            await session.execute(select(outbox.table).where(outbox.table.c.key == member_id))
        ).all()
    assert {event.type for event in published} == set(types)
    assert {row.event_type for row in rows} == set(types)
    texts = [event.to_json().decode() for event in published] + [str(r.envelope) for r in rows]
    secrets = [name, new_name, email, new_email, "1990-05-04"]
    for phone in (national, new_national):
        secrets += [phone, f"+86{phone}"]
    assert [secret for secret in secrets for text in texts if secret in text] == []
    updated = next(e for e in published if e.type == MemberUpdated.event_type)
    assert set(updated.payload(MemberUpdated).changed) >= {"name", "phone", "email"}
