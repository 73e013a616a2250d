"""Queries of the contact table."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Uuid,
    and_,
    any_,
    bindparam,
    delete,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert

from services.messaging.contacts.models import Contact, ContactTag, EmailSuppression
from shared.db import AsyncSession
from shared.events.messaging import Channel

_contacts = Contact.__table__  # type: ignore[attr-defined]
_tags = ContactTag.__table__  # type: ignore[attr-defined]
_suppressed = EmailSuppression.__table__  # type: ignore[attr-defined]


async def upsert_contact(session: AsyncSession, values: dict[str, Any]) -> None:
    """Insert the contact, or replace it unless the stored copy is newer."""
    statement = insert(_contacts).values(values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[_contacts.c.member_id],
            set_={name: statement.excluded[name] for name in values if name != "member_id"},
            where=_contacts.c.updated_at <= statement.excluded.updated_at,
        )
    )


async def update_contact(
    session: AsyncSession, member_id: uuid.UUID, updated_at: datetime, values: dict[str, Any]
) -> bool:
    """Set ``values`` on the member's contact unless it is newer than ``updated_at``;
    whether a contact was changed."""
    result = await session.execute(
        update(_contacts)
        .where(_contacts.c.member_id == member_id, _contacts.c.updated_at <= updated_at)
        .values(updated_at=updated_at, **values)
        .returning(_contacts.c.member_id)
    )
    return result.first() is not None


async def refresh_contact(
    session: AsyncSession, member_id: uuid.UUID, values: dict[str, Any]
) -> bool:
    """Set ``values`` (contact data read from customer now, so never older than the copy)
    on the member's contact, leaving its ``updated_at`` (the time of the newest consent or
    activity fact) as it is; whether there was a contact."""
    result = await session.execute(
        update(_contacts)
        .where(_contacts.c.member_id == member_id)
        .values(**values)
        .returning(_contacts.c.member_id)
    )
    return result.first() is not None


async def get_contact(session: AsyncSession, member_id: uuid.UUID) -> Contact | None:
    return await session.get(Contact, member_id)


async def get_contacts(session: AsyncSession, member_ids: Sequence[uuid.UUID]) -> list[Contact]:
    """The contacts of those of ``member_ids`` that have one, read in one statement (as
    they are in the database now, not as the session last saw them)."""
    query = (
        select(Contact)
        .where(_contacts.c.member_id == any_(bindparam("ids", type_=ARRAY(Uuid()))))
        .execution_options(populate_existing=True)
    )
    return list(await session.scalars(query, {"ids": list(member_ids)}))


async def apply_consent(
    session: AsyncSession,
    member_id: uuid.UUID,
    changed_at: datetime,
    consent: dict[Channel, bool],
    marketing: dict[Channel, bool],
) -> bool:
    """Set the consent and marketing consent per channel unless the contact is newer than
    ``changed_at``; marketing stays off on a channel the member opted out of after
    ``changed_at``. Whether a contact was changed."""
    values: dict[str, Any] = {}
    for channel in ("sms", "email"):
        opted_out_at = _contacts.c[f"{channel}_opted_out_at"]
        values[f"consent_{channel}"] = consent[channel]
        values[f"marketing_{channel}"] = marketing[channel] and or_(
            opted_out_at.is_(None), opted_out_at <= changed_at
        )
    return await update_contact(session, member_id, changed_at, values)


async def opt_out(
    session: AsyncSession, member_id: uuid.UUID, channel: Channel, at: datetime
) -> bool:
    """Turn marketing off on ``channel`` and stamp the opt-out; whether it was on."""
    marketing = _contacts.c[f"marketing_{channel}"]
    result = await session.execute(
        update(_contacts)
        .where(_contacts.c.member_id == member_id, marketing.is_(True))
        .values({marketing.name: False, f"{channel}_opted_out_at": at})
        .returning(_contacts.c.member_id)
    )
    return result.first() is not None


async def members_by_phone_hash(session: AsyncSession, phone_hash: str) -> list[uuid.UUID]:
    """The active members whose phone number has the lookup hash ``phone_hash``."""
    rows = await session.scalars(
        select(_contacts.c.member_id).where(
            _contacts.c.phone_hash == phone_hash, _contacts.c.active.is_(True)
        )
    )
    return list(rows)


def marketable() -> Select[tuple[uuid.UUID, str | None]]:
    """The active contacts with marketing consent on a channel they consented to: their
    member ids and timezones, as a query to select from in one statement."""
    c = _contacts.c
    return select(c.member_id, c.time_zone).where(
        c.active.is_(True),
        or_(
            and_(c.consent_sms.is_(True), c.marketing_sms.is_(True)),
            and_(c.consent_email.is_(True), c.marketing_email.is_(True)),
        ),
    )


async def reissue_card(
    session: AsyncSession, member_id: uuid.UUID, card_number: str, previous: str
) -> bool:
    """The member's card is ``card_number`` unless a later card replaced ``previous``
    already (a contact without a card number takes it); whether it changed."""
    result = await session.execute(
        update(_contacts)
        .where(
            _contacts.c.member_id == member_id,
            or_(_contacts.c.card_number.is_(None), _contacts.c.card_number == previous),
        )
        .values(card_number=card_number)
        .returning(_contacts.c.member_id)
    )
    return result.first() is not None


async def retag(
    session: AsyncSession,
    member_id: uuid.UUID,
    added: Sequence[uuid.UUID],
    removed: Sequence[uuid.UUID],
) -> None:
    """The member has the ``added`` tags and not the ``removed`` ones."""
    if removed:
        await session.execute(
            delete(_tags).where(_tags.c.member_id == member_id, _tags.c.tag_id.in_(removed))
        )
    if added:
        await session.execute(
            insert(_tags)
            .values([{"member_id": member_id, "tag_id": tag} for tag in added])
            .on_conflict_do_nothing()
        )


def _among(
    column: ColumnElement[Any], values: Sequence[Any], kind: Uuid[Any] | String
) -> ColumnElement[bool]:
    """``column = ANY(:values)``: one array parameter however many values (an ``IN`` list
    takes one parameter each, and PostgreSQL takes at most 32,767 in a statement)."""
    return column == any_(bindparam(None, list(values), type_=ARRAY(kind)))


async def known(session: AsyncSession, member_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Which of ``member_ids`` have a contact."""
    query = select(_contacts.c.member_id).where(_among(_contacts.c.member_id, member_ids, Uuid()))
    return set((await session.scalars(query)).all())


async def members_by_cards(session: AsyncSession, cards: Sequence[str]) -> dict[str, uuid.UUID]:
    """The member of each of ``cards`` known (by its card number)."""
    query = select(_contacts.c.card_number, _contacts.c.member_id).where(
        _among(_contacts.c.card_number, cards, String())
    )
    return {row.card_number: row.member_id for row in (await session.execute(query)).all()}


async def members_by_phone_hashes(
    session: AsyncSession, hashes: Sequence[str]
) -> dict[str, list[uuid.UUID]]:
    """The active members of each of the phone lookup ``hashes`` known."""
    query = select(_contacts.c.phone_hash, _contacts.c.member_id).where(
        _among(_contacts.c.phone_hash, hashes, String()), _contacts.c.active.is_(True)
    )
    found: dict[str, list[uuid.UUID]] = {}
    for phone_hash, member in (await session.execute(query)).all():
        found.setdefault(phone_hash, []).append(member)
    return found


def reachable(
    *,
    members: Sequence[uuid.UUID] | None = None,
    cards: Sequence[str] | None = None,
    tags: Sequence[uuid.UUID] | None = None,
    selected: Select[tuple[uuid.UUID]] | None = None,
    marketing_only: bool = False,
) -> Select[tuple[uuid.UUID]]:
    """The active contacts' member ids among ``members``, holding one of ``cards``,
    having one of ``tags``, among the ids ``selected`` selects, or (none given) all of
    them; only those with marketing consent on a channel if ``marketing_only``. A
    selection for an ``INSERT … SELECT``: no list of ids passes through Python."""
    query = select(_contacts.c.member_id).where(_contacts.c.active.is_(True))
    if members is not None:
        query = query.where(_among(_contacts.c.member_id, members, Uuid()))
    if cards is not None:
        query = query.where(_among(_contacts.c.card_number, cards, String()))
    if tags is not None:
        tagged = select(_tags.c.member_id).where(_tags.c.tag_id.in_(tags))
        query = query.where(_contacts.c.member_id.in_(tagged))
    if selected is not None:
        query = query.where(_contacts.c.member_id.in_(selected))
    if marketing_only:
        query = query.where(or_(_contacts.c.marketing_sms, _contacts.c.marketing_email))
    return query


async def suppress_email(
    session: AsyncSession, address_hash: str, member_id: uuid.UUID, at: datetime
) -> bool:
    """Puts the address on the suppression list; whether it was not on it already."""
    inserted = await session.execute(
        insert(_suppressed)
        .values(address_hash=address_hash, member_id=member_id, bounced_at=at)
        .on_conflict_do_nothing(index_elements=[_suppressed.c.address_hash])
        .returning(_suppressed.c.address_hash)
    )
    return inserted.first() is not None


async def email_suppressed(session: AsyncSession, address_hash: str) -> bool:
    found = await session.execute(
        select(_suppressed.c.address_hash).where(_suppressed.c.address_hash == address_hash)
    )
    return found.first() is not None


async def emails_suppressed(session: AsyncSession, address_hashes: Sequence[str]) -> set[str]:
    """Which of ``address_hashes`` are on the suppression list, in one statement."""
    if not address_hashes:
        return set()
    found = await session.scalars(
        select(_suppressed.c.address_hash).where(
            _suppressed.c.address_hash == any_(bindparam("hashes", type_=ARRAY(String())))
        ),
        {"hashes": list(address_hashes)},
    )
    return set(found)


async def clear_suppressions(session: AsyncSession, member_id: uuid.UUID) -> int:
    """Takes the addresses that bounced for the member off the list; how many."""
    result = await session.execute(
        delete(_suppressed)
        .where(_suppressed.c.member_id == member_id)
        .returning(_suppressed.c.address_hash)
    )
    return len(result.all())
