"""Use cases of contacts: keep the copy current from customer events, and read it for a
message.

They flush, never commit: the caller owns the transaction."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select

from services.messaging.contacts import domain, repository
from services.messaging.contacts.domain import ContactCard, MemberCalendar, Reach
from services.messaging.contacts.errors import ContactNotKnown
from services.messaging.contacts.models import Contact
from shared.contacts import MemberContact, MemberContacts
from shared.crypto import PiiCipher
from shared.db import AsyncSession
from shared.events.customer import (
    MemberCardReissued,
    MemberConsentChanged,
    MemberDeactivated,
    MemberReactivated,
    MemberRegistered,
    MemberUpdated,
    marketing_or_channel,
)
from shared.events.messaging import Channel

log = logging.getLogger(__name__)


KEPT = frozenset({"name", "phone", "email", "birthday", "locale"})
"""The profile fields messaging keeps a copy of: an update naming one of them in
``changed`` makes messaging read the member's contact again."""


def _contact_values(cipher: PiiCipher, contact: MemberContact) -> dict[str, Any]:
    """The copy of ``contact`` messaging keeps: name, phone and email encrypted, the
    phone's lookup hash and timezone, the birthday's month and day, the locale."""
    return {
        "name_encrypted": cipher.encrypt(contact.name),
        "locale": contact.locale,
        "phone_encrypted": cipher.encrypt(domain.phone_to_keep(contact.phone)),
        "phone_hash": _phone_hash(cipher, contact.phone),
        "time_zone": domain.phone_zone(domain.sms_number(contact.phone)),
        "email_encrypted": cipher.encrypt(contact.email) if contact.email else None,
        "birth_month": contact.birthday.month if contact.birthday else None,
        "birth_day": contact.birthday.day if contact.birthday else None,
    }


async def record_registration(
    session: AsyncSession,
    cipher: PiiCipher,
    registered: MemberRegistered,
    contact: MemberContact,
) -> None:
    """Keep the new member's contact (``contact``, as customer answered it) with the
    registration's card and consent (a replay of an older registration changes nothing);
    marketing consent as the event gives it, or the channels' own on an older event."""
    marketing = marketing_or_channel(registered.marketing, registered.consent)
    await repository.upsert_contact(
        session,
        {
            "member_id": registered.member_id,
            **_contact_values(cipher, contact),
            "card_number": registered.card_number,
            "consent_sms": registered.consent.sms,
            "consent_email": registered.consent.email,
            "marketing_sms": marketing.sms,
            "marketing_email": marketing.email,
            "updated_at": registered.registered_at,
        },
    )


async def apply_update(
    session: AsyncSession, cipher: PiiCipher, updated: MemberUpdated, contacts: MemberContacts
) -> None:
    """Apply what changed: tags (differences, applied whatever the contact's time: they
    commute); a change of a field messaging keeps (:data:`KEPT`) reads the member's contact
    from customer and replaces the copy with it (the contact as it is now, so an older or
    replayed update writes the same). A member customer does not know any more keeps
    nothing new; one without a contact here is skipped (its registration was parked as a
    dead letter, and a replay of it reads the contact then). A new email address clears
    the member's bounced one from the suppression list.

    Raises :class:`shared.contacts.ContactUnavailable` (transient: the event is retried)
    when customer cannot answer."""
    changed = set(updated.changed)
    if "tags" in changed:
        await repository.retag(session, updated.member_id, updated.tags_added, updated.tags_removed)
    if not KEPT & changed:
        return
    contact = await contacts.fetch(updated.member_id)
    if contact is None:
        return
    values = _contact_values(cipher, contact)
    if not await repository.refresh_contact(session, updated.member_id, values):
        log.info("update of member %s not applied: no contact", updated.member_id)
    elif "email" in changed and await repository.clear_suppressions(session, updated.member_id):
        log.info(
            "member %s has a new email: its bounced address is no longer held", updated.member_id
        )


async def apply_consent(session: AsyncSession, changed: MemberConsentChanged) -> None:
    """Keep the member's consent and marketing consent per channel (an older change than
    the contact's is skipped, as is a member without a contact: see :func:`apply_update`;
    marketing stays off where the member opted out after the change was made)."""
    marketing = marketing_or_channel(changed.marketing, changed.consent)
    if not await repository.apply_consent(
        session,
        changed.member_id,
        changed.changed_at,
        {"sms": changed.consent.sms, "email": changed.consent.email},
        {"sms": marketing.sms, "email": marketing.email},
    ):
        log.info("consent of member %s not applied: no contact, or a newer one", changed.member_id)


async def opt_out(
    session: AsyncSession, member_id: uuid.UUID, channel: Channel, at: datetime
) -> bool:
    """Stop marketing to the member on ``channel`` from now on (their opt-out at ``at``),
    before customer's consent change comes back; whether marketing was on (a repeat, or a
    member without a contact, changes nothing)."""
    return await repository.opt_out(session, member_id, channel, at)


async def apply_card_reissue(session: AsyncSession, reissued: MemberCardReissued) -> None:
    """Keep the member's new card number, to find them by it in a bulk send's list."""
    if not await repository.reissue_card(
        session, reissued.member_id, reissued.card_number, reissued.previous_card_number
    ):
        log.info(
            "card reissue of member %s not applied: no contact, or a later card", reissued.member_id
        )


async def known_members(session: AsyncSession, member_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Which of ``member_ids`` messaging has a contact for."""
    return await repository.known(session, member_ids) if member_ids else set()


async def members_by_cards(session: AsyncSession, cards: Sequence[str]) -> dict[str, uuid.UUID]:
    """The member of each card number known (registered, or reissued, since messaging keeps
    card numbers)."""
    return await repository.members_by_cards(session, cards) if cards else {}


async def members_by_phones(
    session: AsyncSession, cipher: PiiCipher, phones: Sequence[str]
) -> dict[str, list[uuid.UUID]]:
    """The active members of each phone number (E.164, or mainland digits) known, found by
    its lookup hash; a value that is no phone number finds nobody."""
    hashes = {phone: _phone_hash(cipher, phone) for phone in phones}
    found = await repository.members_by_phone_hashes(
        session, [h for h in hashes.values() if h is not None]
    )
    return {phone: found[h] for phone, h in hashes.items() if h is not None and h in found}


def reachable(
    *,
    members: Sequence[uuid.UUID] | None = None,
    cards: Sequence[str] | None = None,
    tags: Sequence[uuid.UUID] | None = None,
    selected: Select[tuple[uuid.UUID]] | None = None,
    marketing_only: bool = False,
) -> Select[tuple[uuid.UUID]]:
    """The member ids of active contacts among ``members``, holding one of ``cards``,
    having one of ``tags``, among the ids ``selected`` selects (a segment's), or all
    (none given), with marketing consent on a channel if
    ``marketing_only``: a SQL selection a bulk send takes its recipients from in one
    statement."""
    return repository.reachable(
        members=members, cards=cards, tags=tags, selected=selected, marketing_only=marketing_only
    )


async def members_by_phone(session: AsyncSession, cipher: PiiCipher, phone: str) -> list[uuid.UUID]:
    """The active members whose SMS go to ``phone`` (E.164), found by its lookup hash."""
    return await repository.members_by_phone_hash(session, cipher.lookup_hash(phone))


def _phone_hash(cipher: PiiCipher, phone: str) -> str | None:
    """The lookup hash of the number SMS go to (hashed as E.164, as customer hashes it);
    ``None`` for a value that is no phone number."""
    number = domain.sms_number(phone)
    return cipher.lookup_hash(number) if number is not None else None


async def apply_deactivation(session: AsyncSession, deactivated: MemberDeactivated) -> None:
    """Mark the member's contact inactive: nothing is sent to them any more."""
    member_id, at = deactivated.member_id, deactivated.deactivated_at
    if not await repository.update_contact(session, member_id, at, {"active": False}):
        log.info("deactivation of member %s not applied: no contact, or a newer one", member_id)


async def apply_reactivation(session: AsyncSession, reactivated: MemberReactivated) -> None:
    """Mark the member's contact active again: messages reach them as their consent allows
    (what was cancelled while they were inactive stays cancelled)."""
    member_id, at = reactivated.member_id, reactivated.reactivated_at
    if not await repository.update_contact(session, member_id, at, {"active": True}):
        log.info("reactivation of member %s not applied: no contact, or a newer one", member_id)


async def card_of(session: AsyncSession, cipher: PiiCipher, member_id: uuid.UUID) -> ContactCard:
    """The member's contact, decrypted; an email address on the suppression list (it
    bounced hard) is unusable (``bounced``); an erased member's tombstone has no name
    (``""``) and reaches no one. Raises :class:`ContactNotKnown` if there is none."""
    contact = await repository.get_contact(session, member_id)
    if contact is None:
        raise ContactNotKnown(f"no contact for member {member_id} yet")
    email = _email(cipher, contact)
    bounced = email is not None and await repository.email_suppressed(
        session, cipher.email_hash(email)
    )
    return _card(cipher, contact, email, bounced)


async def cards_of(
    session: AsyncSession, cipher: PiiCipher, member_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, ContactCard]:
    """:func:`card_of` for many members in two statements (the contacts, then which of
    their emails bounced), by member id. Raises :class:`ContactNotKnown` if one of them
    has no contact."""
    contacts = {c.member_id: c for c in await repository.get_contacts(session, list(member_ids))}
    missing = [m for m in member_ids if m not in contacts]
    if missing:
        raise ContactNotKnown(f"no contact for member {missing[0]} yet")
    emails = {m: _email(cipher, c) for m, c in contacts.items()}
    hashes = {m: cipher.email_hash(e) for m, e in emails.items() if e is not None}
    bounced = await repository.emails_suppressed(session, sorted(set(hashes.values())))
    return {m: _card(cipher, c, emails[m], hashes.get(m) in bounced) for m, c in contacts.items()}


def _email(cipher: PiiCipher, contact: Contact) -> str | None:
    """The contact's usable email address, decrypted (none for an inactive member)."""
    if not contact.active or contact.email_encrypted is None:
        return None
    return cipher.decrypt(contact.email_encrypted)


def _card(cipher: PiiCipher, contact: Contact, email: str | None, bounced: bool) -> ContactCard:
    name = cipher.decrypt(contact.name_encrypted) if contact.name_encrypted else ""
    if not contact.active:
        gone = Reach(False, None, domain.INACTIVE)
        return ContactCard(name=name, locale=contact.locale, sms=gone, email=gone)
    phone = cipher.decrypt(contact.phone_encrypted)
    return ContactCard(
        name=name,
        locale=contact.locale,
        sms=domain.phone_reach(
            contact.consent_sms, phone, contact.phone_encrypted, marketing=contact.marketing_sms
        ),
        email=Reach(
            contact.consent_email,
            email,
            domain.BOUNCED if bounced else None,
            encrypted=contact.email_encrypted,
            marketing=contact.marketing_email,
        ),
    )


async def calendar_of(session: AsyncSession, member_id: uuid.UUID) -> MemberCalendar | None:
    """The member's birthday (month and day), timezone, whether they are active and their
    language; ``None`` without a contact."""
    contact = await repository.get_contact(session, member_id)
    if contact is None:
        return None
    return MemberCalendar(
        contact.birth_month, contact.birth_day, contact.time_zone, contact.active, contact.locale
    )


async def calendars_of(
    session: AsyncSession, member_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, MemberCalendar]:
    """:func:`calendar_of` for many members in one statement, by member id (those without
    a contact are missing)."""
    return {
        c.member_id: MemberCalendar(c.birth_month, c.birth_day, c.time_zone, c.active, c.locale)
        for c in await repository.get_contacts(session, list(member_ids))
    }


def marketable() -> Select[tuple[uuid.UUID, str | None]]:
    """The active members with marketing consent on a consented channel, with their
    timezones (``None``: the brand's): a query another capability selects from in one
    statement (a holiday's greetings to everyone)."""
    return repository.marketable()


async def suppress_email(
    session: AsyncSession, cipher: PiiCipher, member_id: uuid.UUID, address: str, at: datetime
) -> bool:
    """Puts ``address`` (an email of ``member_id`` that bounced hard at ``at``) on the
    suppression list, by its lookup hash: no email goes to it until the member's email
    changes. Whether it was not on the list already."""
    return await repository.suppress_email(session, cipher.email_hash(address), member_id, at)


async def opt_outs_of(
    session: AsyncSession, member_id: uuid.UUID
) -> dict[Channel, datetime | None]:
    """When the member opted out of marketing per channel (an unsubscribe link, an SMS
    reply; ``None``: never, or no contact): their part of an export."""
    contact = await repository.get_contact(session, member_id)
    if contact is None:
        return {"sms": None, "email": None}
    return {"sms": contact.sms_opted_out_at, "email": contact.email_opted_out_at}
