"""Members' use cases called directly with a session, as the routes and the bench call them."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from services.customer.base import outbox
from services.customer.config import Settings
from services.customer.members import service
from services.customer.members.errors import MemberNotFound, PhoneRegistered
from services.customer.members.schemas import MemberCreate
from shared.crypto import PiiCipher
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.events.customer import MemberRegistered
from shared.settings import DEV_PII_KEY
from tests.customer.conftest import new_phone, row_counts

CIPHER = PiiCipher(DEV_PII_KEY)
SETTINGS = Settings(environment="test")


async def test_a_registration_stores_e164_and_emits_one_event_about_the_member(
    customer_sessions: Sessions,
) -> None:
    national = new_phone()
    async with transaction(customer_sessions) as session:
        member = await service.register_member(
            session, SETTINGS, CIPHER, MemberCreate(name="李雷", phone=f"+86 {national}")
        )
    assert CIPHER.decrypt(member.phone_encrypted) == f"+86{national}"
    assert member.phone_hash == CIPHER.phone_hash(national)
    async with customer_sessions() as session:
        (row,) = (
            await session.execute(select(outbox.table).where(outbox.table.c.key == str(member.id)))
        ).all()
    event = CloudEvent.model_validate(row.envelope)
    assert (event.type, event.subject, event.source) == (
        "customer.member.registered",
        str(member.id),
        "/huiyuan/customer",
    )
    assert event.payload(MemberRegistered).phone_hash == CIPHER.phone_hash(f"+86{national}")
    assert not {"name", "phone", "email", "birthday", "gender"} & event.data.keys()


async def test_a_number_already_registered_is_refused_and_nothing_is_written(
    customer_sessions: Sessions,
) -> None:
    national = new_phone()
    async with transaction(customer_sessions) as session:
        await service.register_member(
            session, SETTINGS, CIPHER, MemberCreate(name="韩梅梅", phone=national)
        )
    before = await row_counts(customer_sessions)
    again = MemberCreate(name="韩梅梅", phone=f"0086-{national}")
    async with transaction(customer_sessions) as session:
        with pytest.raises(PhoneRegistered) as refused:
            await service.register_member(session, SETTINGS, CIPHER, again)
    assert refused.value.field == "phone"
    assert await row_counts(customer_sessions) == before


async def test_an_unknown_member_is_named_by_its_path_value(customer_sessions: Sessions) -> None:
    async with customer_sessions() as session:
        with pytest.raises(MemberNotFound) as missing:
            await service.get_member(session, uuid.uuid4())
    assert (missing.value.field, missing.value.where) == ("member_id", "path")


async def test_a_lookup_needs_a_key(customer_sessions: Sessions) -> None:
    async with customer_sessions() as session:
        with pytest.raises(ValueError, match="needs a phone hash or a card number"):
            await service.find_members(session, CIPHER, phone=None, card_number=None)
