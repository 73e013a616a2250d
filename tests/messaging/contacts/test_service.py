from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from huiyuan.embedded.ports import free_port
from services.messaging.config import Settings
from services.messaging.contacts import service
from services.messaging.contacts.errors import ContactNotKnown
from services.messaging.contacts.models import Contact
from shared.contacts import ContactUnavailable, MemberContacts, member_contacts
from shared.crypto import PiiCipher
from shared.db import Sessions, is_transient, transaction
from shared.events import CloudEvent
from shared.events.customer import MemberRegistered, MemberUpdated
from shared.settings import DEV_PII_KEY
from tests.contacts import put_member
from tests.messaging import events

CIPHER = PiiCipher(DEV_PII_KEY)


async def _register(
    sessions: Sessions, member_id: uuid.UUID, phone: str, replayed: CloudEvent | None = None
) -> CloudEvent:
    """The member made at customer (unless ``replayed``, an earlier registration handed
    again) and their registration applied, the contact read from customer."""
    event = replayed or await events.registered(member_id, phone_number=phone)
    contact = await _contacts().fetch(member_id)
    assert contact is not None
    async with transaction(sessions) as session:
        await service.record_registration(session, CIPHER, event.payload(MemberRegistered), contact)
    return event


def _contacts() -> MemberContacts:
    """Messaging's client of customer, as its handlers build it (the test customer's URL)."""
    return member_contacts(Settings(), "messaging")


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
        await service.apply_update(session, CIPHER, updated, _contacts())


async def test_an_update_reads_the_phone_customer_has_now_whatever_its_age(
    messaging_sessions: Sessions,
) -> None:
    """Events carry no values: the contact read is customer's now, so an update delivered
    late, or a registration replayed after it, writes the current phone, never an old one."""
    member_id = uuid.uuid4()
    registration = await _register(messaging_sessions, member_id, "13912345678")
    assert await _phone_of(messaging_sessions, member_id) == "+8613912345678"
    stale = await events.phone_updated(member_id, "+8613700000000", after=-timedelta(days=1))
    await _update(messaging_sessions, stale.payload(MemberUpdated))
    assert await _phone_of(messaging_sessions, member_id) == "+8613700000000"

    fresh = (await events.phone_updated(member_id, "+13125550147")).payload(MemberUpdated)
    await _update(messaging_sessions, fresh)
    assert await _phone_of(messaging_sessions, member_id) == "+13125550147"

    await _register(messaging_sessions, member_id, "13912345678", replayed=registration)
    assert await _phone_of(messaging_sessions, member_id) == "+13125550147"


async def test_an_update_naming_nothing_kept_or_no_known_member_changes_nothing(
    messaging_sessions: Sessions,
) -> None:
    member_id = uuid.uuid4()
    await _register(messaging_sessions, member_id, "+8613912345678")
    occupation = (await events.phone_updated(member_id, "+8613700000000")).payload(MemberUpdated)
    await _update(messaging_sessions, occupation.model_copy(update={"changed": ("occupation",)}))
    assert await _phone_of(messaging_sessions, member_id) == "+8613912345678"

    stranger = uuid.uuid4()  # customer does not know them either: nothing to keep
    unknown = await events.phone_updated(stranger, "+8613700000000")
    await _update(messaging_sessions, unknown.payload(MemberUpdated))
    unregistered = uuid.uuid4()  # customer knows them, messaging has no contact yet
    await put_member(unregistered, phone="+8613700000000")
    unseen = await events.phone_updated(unregistered, "+8613700000001")
    await _update(messaging_sessions, unseen.payload(MemberUpdated))
    async with messaging_sessions() as session:
        assert await session.get(Contact, stranger) is None
        assert await session.get(Contact, unregistered) is None


async def test_customer_not_answering_is_transient_and_keeps_nothing(
    messaging_sessions: Sessions,
) -> None:
    member_id = uuid.uuid4()
    event = await events.registered(member_id, phone_number=events.phone())
    down = member_contacts(Settings(customer_url=f"http://127.0.0.1:{free_port()}"), "messaging")
    with pytest.raises(ContactUnavailable) as failed:
        await down.fetch(member_id)
    assert is_transient(failed.value)  # the consumer holds the partition, never parks it
    with pytest.raises(ContactUnavailable):
        async with transaction(messaging_sessions) as session:
            await service.apply_update(
                session,
                CIPHER,
                MemberUpdated(member_id=member_id, changed=("email",), updated_at=event.time),
                down,
            )
    async with messaging_sessions() as session:
        assert await session.get(Contact, member_id) is None
