from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from services.messaging.contacts import service
from services.messaging.contacts.errors import ContactNotKnown
from services.messaging.contacts.models import Contact
from shared.crypto import PiiCipher
from shared.db import Sessions, transaction
from shared.events.customer import MemberRegistered, MemberUpdated
from shared.settings import DEV_PII_KEY
from tests.messaging import events

CIPHER = PiiCipher(DEV_PII_KEY)


async def _register(sessions: Sessions, member_id: uuid.UUID, phone: str) -> None:
    registered = events.registered(member_id, phone_number=phone).payload(MemberRegistered)
    async with transaction(sessions) as session:
        await service.record_registration(session, CIPHER, registered)


@pytest.mark.parametrize(
    ("published", "kept"),
    [("+8613912345678", "+8613912345678"), ("13912345678", "+8613912345678")],
    ids=["E.164", "digits of the previous release"],
)
async def test_a_registration_keeps_the_phone_as_e164_encrypted(
    messaging_sessions: Sessions, published: str, kept: str
) -> None:
    member_id = uuid.uuid4()
    await _register(messaging_sessions, member_id, published)

    async with messaging_sessions() as session:
        contact = await session.get(Contact, member_id)
        card = await service.card_of(session, CIPHER, member_id)
    assert contact is not None
    assert kept[1:] not in contact.phone_encrypted
    assert CIPHER.decrypt(contact.phone_encrypted) == kept
    assert card.sms.address == kept


async def test_a_contact_stored_with_digits_is_reached_at_its_e164_number(
    messaging_sessions: Sessions,
) -> None:
    """As the previous release stored it, before customer's upgrade republishes it."""
    member_id = uuid.uuid4()
    await _register(messaging_sessions, member_id, "+8613912345678")
    async with transaction(messaging_sessions) as session:
        contact = await session.get(Contact, member_id)
        assert contact is not None
        contact.phone_encrypted = CIPHER.encrypt("13912345678")

    async with messaging_sessions() as session:
        card = await service.card_of(session, CIPHER, member_id)
    assert card.sms.address == "+8613912345678"


async def test_a_member_without_a_contact_is_awaited(messaging_sessions: Sessions) -> None:
    async with messaging_sessions() as session:
        with pytest.raises(ContactNotKnown):
            await service.card_of(session, CIPHER, uuid.uuid4())


async def _phone_of(sessions: Sessions, member_id: uuid.UUID) -> str:
    async with sessions() as session:
        contact = await session.get(Contact, member_id)
    assert contact is not None
    return CIPHER.decrypt(contact.phone_encrypted)


async def _update(sessions: Sessions, updated: MemberUpdated) -> None:
    async with transaction(sessions) as session:
        await service.apply_update(session, CIPHER, updated)


async def test_a_newer_phone_replaces_the_one_on_file_and_an_older_one_does_not(
    messaging_sessions: Sessions,
) -> None:
    member_id = uuid.uuid4()
    await _register(messaging_sessions, member_id, "13912345678")
    stale = events.phone_updated(member_id, "+8613700000000", after=-timedelta(days=1))
    await _update(messaging_sessions, stale.payload(MemberUpdated))
    assert await _phone_of(messaging_sessions, member_id) == "+8613912345678"

    fresh = events.phone_updated(member_id, "+13125550147").payload(MemberUpdated)
    await _update(messaging_sessions, fresh)
    assert await _phone_of(messaging_sessions, member_id) == "+13125550147"
    async with messaging_sessions() as session:
        contact = await session.get(Contact, member_id)
    assert contact is not None
    assert contact.updated_at == fresh.updated_at

    # a registration replayed after the update is older than it: the new number stays
    await _register(messaging_sessions, member_id, "13912345678")
    assert await _phone_of(messaging_sessions, member_id) == "+13125550147"


async def test_an_update_naming_no_phone_or_no_known_member_changes_nothing(
    messaging_sessions: Sessions,
) -> None:
    member_id = uuid.uuid4()
    await _register(messaging_sessions, member_id, "+8613912345678")
    no_phone = events.phone_updated(member_id, "+8613700000000").payload(MemberUpdated)
    await _update(messaging_sessions, no_phone.model_copy(update={"changed": ("email",)}))
    stranger = uuid.uuid4()
    await _update(
        messaging_sessions, events.phone_updated(stranger, "+8613700000000").payload(MemberUpdated)
    )

    assert await _phone_of(messaging_sessions, member_id) == "+8613912345678"
    async with messaging_sessions() as session:
        assert await session.get(Contact, stranger) is None
