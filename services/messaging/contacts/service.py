"""Use cases of contacts: keep the copy current from customer events, and read it for a
message.

They flush, never commit: the caller owns the transaction."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from services.messaging.contacts import domain, repository
from services.messaging.contacts.domain import ContactCard, Reach
from services.messaging.contacts.errors import ContactNotKnown
from shared.crypto import PiiCipher
from shared.db import AsyncSession
from shared.events.customer import MemberRegistered, MemberUpdated

log = logging.getLogger(__name__)


async def record_registration(
    session: AsyncSession, cipher: PiiCipher, registered: MemberRegistered
) -> None:
    """Keep the new member's contact (a replay of an older registration changes nothing)."""
    await repository.upsert_contact(
        session,
        {
            "member_id": registered.member_id,
            "name": registered.name,
            "locale": registered.locale,
            "phone_encrypted": cipher.encrypt(domain.phone_to_keep(registered.phone)),
            "email_encrypted": cipher.encrypt(registered.email) if registered.email else None,
            "consent_sms": registered.consent.sms,
            "consent_email": registered.consent.email,
            "updated_at": registered.registered_at,
        },
    )


async def apply_update(session: AsyncSession, cipher: PiiCipher, updated: MemberUpdated) -> None:
    """Apply the changed fields messaging keeps (today the phone number).

    The lookup hash that comes with a phone is not kept: messaging never looks a member up
    by phone. An update older than the stored contact changes nothing. An update for a
    member without a contact is skipped: its registration came before it on the same
    partition, so it was parked as a dead letter, and a replay of it brings a phone number
    that :func:`domain.phone_reach` reads the same way.
    """
    values: dict[str, Any] = {}
    if "phone" in updated.changed and updated.phone is not None:
        values["phone_encrypted"] = cipher.encrypt(domain.phone_to_keep(updated.phone))
    if not values:
        return
    if not await repository.update_contact(session, updated.member_id, updated.updated_at, values):
        log.info("update of member %s not applied: no contact, or a newer one", updated.member_id)


async def card_of(session: AsyncSession, cipher: PiiCipher, member_id: uuid.UUID) -> ContactCard:
    """The member's contact, decrypted; raises :class:`ContactNotKnown` if there is none."""
    contact = await repository.get_contact(session, member_id)
    if contact is None:
        raise ContactNotKnown(f"no contact for member {member_id} yet")
    email = cipher.decrypt(contact.email_encrypted) if contact.email_encrypted else None
    phone = cipher.decrypt(contact.phone_encrypted)
    return ContactCard(
        name=contact.name,
        locale=contact.locale,
        sms=domain.phone_reach(contact.consent_sms, phone, contact.phone_encrypted),
        email=Reach(contact.consent_email, email, encrypted=contact.email_encrypted),
    )
