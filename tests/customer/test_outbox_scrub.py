"""Customer's retained outbox rows lose the contact data events no longer carry
(``6ec37cf8f0f5``): registrations and profile updates keep their ids and non-personal
facts; other events, the sign-in code's encrypted phone included, stay as they were."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.stack import Scratch, Stack

BEFORE, SCRUBBED = "9fedb8c50f18", "6ec37cf8f0f5"
MEMBER = str(uuid.uuid4())
REGISTERED = {
    "member_id": MEMBER,
    "card_number": "8860000000017",
    "name": "韩梅梅",
    "phone": "+8613912345678",
    "phone_hash": "a" * 64,
    "email": "hanmeimei@example.com",
    "birthday": "1991-02-28",
    "gender": "female",
    "locale": "zh-CN",
    "registered_at": "2026-11-01T08:00:00+00:00",
}
UPDATED = {
    "member_id": MEMBER,
    "changed": ["name", "phone", "phone_hash", "email", "birthday"],
    "phone": "+8613912345678",
    "phone_hash": "b" * 64,
    "name_encrypted": "gAAAAA-name",
    "phone_encrypted": "gAAAAA-phone",
    "email_encrypted": "gAAAAA-email",
    "birthday_encrypted": "gAAAAA-birthday",
    "updated_at": "2026-11-02T08:00:00+00:00",
}
CODE = {"member_id": MEMBER, "phone_encrypted": "gAAAAA-code-phone", "code_encrypted": "x"}


@pytest.fixture
async def scratch(stack: Stack) -> AsyncIterator[Scratch]:
    async with stack.scratch_database("customer", BEFORE) as url:
        yield Scratch("customer", url)


async def _row(scratch: Scratch, event_type: str, data: dict[str, Any] | None) -> None:
    envelope = {} if data is None else {"type": event_type, "data": data}
    await scratch.sql(
        "INSERT INTO customer.outbox (event_id, event_type, topic, key, envelope, published_at) "
        "VALUES ($1, $2, 'customer.events', $3, $4::jsonb, now())",
        str(uuid.uuid4()),
        event_type,
        MEMBER,
        json.dumps(envelope),
    )


async def test_registrations_and_updates_lose_their_contact_data_and_nothing_else(
    scratch: Scratch,
) -> None:
    await _row(scratch, "customer.member.registered", REGISTERED)
    await _row(scratch, "customer.member.updated", UPDATED)
    await _row(scratch, "customer.signin.code_requested", CODE)
    await _row(scratch, "customer.member.registered", None)  # no data at all: left alone
    await scratch.upgrade(SCRUBBED)
    rows = await scratch.sql("SELECT event_type, envelope FROM customer.outbox ORDER BY seq")
    registered, updated, code, empty = (json.loads(row["envelope"]) for row in rows)
    assert registered["data"] == {
        "member_id": MEMBER,
        "card_number": "8860000000017",
        "phone_hash": "a" * 64,
        "locale": "zh-CN",
        "registered_at": "2026-11-01T08:00:00+00:00",
    }
    assert updated["data"] == {
        "member_id": MEMBER,
        "changed": ["name", "phone", "phone_hash", "email", "birthday"],
        "phone_hash": "b" * 64,
        "updated_at": "2026-11-02T08:00:00+00:00",
    }
    assert code["data"] == CODE  # a phone with no member yet cannot be read from customer
    assert empty == {}
