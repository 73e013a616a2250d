"""A customer schema written by the previous release upgrades to head: phones become E.164,
each changed lookup hash is announced in the outbox, and what cannot be converted is kept.

Each test migrates a scratch database of its own to the previous head, writes rows with
plain SQL the way the previous release did (digits, hash over digits), and upgrades.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from services.customer.members import service
from shared import codes
from shared.crypto import PiiCipher
from shared.db import create_engine, create_sessions
from shared.events import CloudEvent
from shared.events.customer import MemberUpdated
from shared.settings import BaseServiceSettings
from tests.stack import Scratch, Stack

PREVIOUS_HEAD = "b8d4e2f6a1c9"
HEAD = "5b0cbf95872c"
KEY = "the key this shop's customer service runs with"
REGISTERED = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
async def scratch(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Scratch]:
    monkeypatch.setenv("CUSTOMER_PII_KEY", KEY)
    async with stack.scratch_database("customer", PREVIOUS_HEAD) as url:
        yield Scratch("customer", url)


class Release:
    """Writes members as the release before E.164 did (or, with ``e164``, the one after)."""

    def __init__(self, scratch: Scratch, key: str = KEY) -> None:
        self.scratch = scratch
        self.cipher = PiiCipher(key)
        self.serial = 0

    async def member(self, stored_phone: str) -> uuid.UUID:
        """A member whose phone is stored as ``stored_phone``, hashed as it is."""
        self.serial += 1
        member_id = uuid.uuid4()
        await self.scratch.sql(
            "INSERT INTO customer.members (id, card_serial, card_number, name, phone_encrypted, "
            "phone_hash, locale, consent_sms, consent_email, created_at, updated_at) "
            "VALUES ($1, $2, $3, '李雷', $4, $5, 'zh-CN', true, false, $6, $6)",
            member_id,
            self.serial,
            f"8860{self.serial:08d}0",
            self.cipher.encrypt(stored_phone),
            self.cipher.lookup_hash(stored_phone),
            REGISTERED,
        )
        return member_id

    async def published_event(self) -> None:
        """An outbox row the relay published long ago, as the previous release wrote them."""
        await self.scratch.sql(
            "INSERT INTO customer.outbox (event_id, event_type, topic, key, envelope, "
            "published_at, partition, \"offset\") VALUES ($1, 'customer.member.registered', "
            "'customer.events', $2, '{}'::jsonb, $3, 0, 41)",
            str(uuid.uuid4()),
            str(uuid.uuid4()),
            REGISTERED,
        )


# referral codes are drawn afresh by each upgrade past c2a7e5d9f413
_DRAWN = {"referral_code", "referrer_id"}


async def _members(scratch: Scratch) -> dict[uuid.UUID, dict[str, Any]]:
    rows = await scratch.sql("SELECT * FROM customer.members")
    return {row["id"]: {k: v for k, v in row.items() if k not in _DRAWN} for row in rows}


async def _updates(scratch: Scratch) -> dict[uuid.UUID, tuple[CloudEvent, MemberUpdated]]:
    rows = await scratch.sql(
        "SELECT key, envelope, published_at FROM customer.outbox "
        "WHERE event_type = 'customer.member.updated' ORDER BY seq"
    )
    assert all(row["published_at"] is None for row in rows)  # the relay sends them
    found: dict[uuid.UUID, tuple[CloudEvent, MemberUpdated]] = {}
    for row in rows:
        event = CloudEvent.model_validate_json(row["envelope"])
        payload = event.payload(MemberUpdated)
        assert payload.member_id not in found, "one event per member"
        assert row["key"] == event.subject == str(payload.member_id)
        found[payload.member_id] = (event, payload)
    return found


async def test_stored_phones_become_e164_and_each_changed_hash_is_announced(
    scratch: Scratch, caplog: pytest.LogCaptureFixture
) -> None:
    release = Release(scratch)
    mainland = await release.member("13912345678")
    abroad = await release.member("447400123456")  # typed +44 7400 123456
    typed_with_plus_one = await release.member("13125550147")  # +1 312 555 0147, lost its +1
    landline = await release.member("861065529988")  # +86 10 6552 9988: not a mobile
    too_short = await release.member("1234567")  # +1234567 passed the old 6-15 digit rule
    already = await release.member("+8613700001111")  # registered by the E.164 release
    twice_old = await release.member("13700001111")  # the same number, registered before
    await release.published_event()
    before = await _members(scratch)

    with caplog.at_level(logging.INFO, logger="alembic.runtime.migration"):
        await scratch.upgrade()

    after = await _members(scratch)
    cipher = release.cipher
    expected = {
        mainland: "+8613912345678",
        abroad: "+447400123456",
        typed_with_plus_one: "+8613125550147",  # the lost country code cannot come back
    }
    for member_id, e164 in expected.items():
        row = after[member_id]
        assert cipher.decrypt(row["phone_encrypted"]) == e164
        assert row["phone_hash"] == cipher.phone_hash(e164) != before[member_id]["phone_hash"]
        assert row["updated_at"] > before[member_id]["updated_at"]
    for kept in (landline, too_short, already, twice_old):  # columns added later aside
        assert {column: after[kept][column] for column in before[kept]} == before[kept]

    updates = await _updates(scratch)
    assert updates.keys() == expected.keys()
    for member_id, (event, payload) in updates.items():
        assert (event.source, event.partitionkey) == ("/huiyuan/customer", str(member_id))
        assert payload.changed == ("phone", "phone_hash")
        assert "phone" not in event.data  # ids only: messaging reads the number from customer
        assert (
            payload.phone_hash
            == after[member_id]["phone_hash"]
            == cipher.phone_hash(expected[member_id])
        )
        assert payload.updated_at == after[member_id]["updated_at"]
    (published,) = await scratch.sql(
        "SELECT count(*) FROM customer.outbox WHERE published_at IS NOT NULL"
    )
    assert published[0] == 1

    messages = [record.getMessage() for record in caplog.records]
    assert any("3 converted" in m and "1 already E.164" in m for m in messages), messages
    (invalid,) = [m for m in messages if "not a valid mobile number" in m]
    assert invalid.startswith("customer phones as E.164: 2 members kept their stored number")
    assert str(landline) in invalid
    assert str(too_short) in invalid
    (taken,) = [m for m in messages if "another member already has it" in m]
    assert str(twice_old) in taken
    assert not any(e164 in m or e164[3:] in m for m in messages for e164 in expected.values())

    engine = create_engine(BaseServiceSettings(database_url=scratch.url))
    try:
        async with create_sessions(engine)() as session:
            for typed, member_id in [
                ("+44 7400 123456", abroad),
                ("139 1234 5678", mainland),
                ("+86 137-0000-1111", already),
            ]:
                (found,) = await service.find_members(
                    session, cipher, phone=typed, card_number=None
                )
                assert found.id == member_id, typed
    finally:
        await engine.dispose()


async def test_a_key_that_does_not_decrypt_the_phones_stops_the_upgrade_with_nothing_changed(
    scratch: Scratch,
) -> None:
    release = Release(scratch, key="the key of another shop")
    member_id = await release.member("13912345678")
    before = await _members(scratch)
    with pytest.raises(RuntimeError, match=f"CUSTOMER_PII_KEY .* member {member_id}"):
        await scratch.upgrade()
    assert await _members(scratch) == before
    assert await _updates(scratch) == {}
    (version,) = await scratch.sql("SELECT version_num FROM customer.alembic_version")
    assert version[0] == PREVIOUS_HEAD


async def test_every_member_is_converted_once_across_batches(scratch: Scratch) -> None:
    cipher = PiiCipher(KEY)
    phones = [f"1390000{n:04d}" for n in range(2_345)]
    await scratch.sql(
        "INSERT INTO customer.members (id, card_serial, card_number, name, phone_encrypted, "
        "phone_hash, locale, consent_sms, consent_email, created_at, updated_at) "
        "SELECT gen_random_uuid(), s, '8860' || lpad(s::text, 8, '0') || '0', '王芳', "
        "p.encrypted, p.hash, 'zh-CN', false, false, $3, $3 "
        "FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS p(encrypted, hash, s)",
        [cipher.encrypt(phone) for phone in phones],
        [cipher.lookup_hash(phone) for phone in phones],
        REGISTERED,
    )
    await scratch.upgrade()
    updates = await _updates(scratch)
    assert sorted(payload.phone_hash or "" for _, payload in updates.values()) == sorted(
        cipher.phone_hash(f"+86{phone}") for phone in phones
    )
    referral = await scratch.sql("SELECT referral_code, referrer_id FROM customer.members")
    assert len({row["referral_code"] for row in referral}) == len(phones)
    assert all(codes.is_well_formed(row["referral_code"]) for row in referral)
    assert all(row["referrer_id"] is None for row in referral)
    stored = await _members(scratch)
    assert all(row["phone_hash"] == updates[row["id"]][1].phone_hash for row in stored.values())

    # the previous revision's code reads E.164 too, so going back changes nothing, and
    # upgrading again finds every number converted already: no second event
    await scratch.downgrade(PREVIOUS_HEAD)
    await scratch.upgrade()
    assert (await _updates(scratch)).keys() == updates.keys()
    assert await _members(scratch) == stored
