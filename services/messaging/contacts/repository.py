"""Queries of the contact table."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert

from services.messaging.contacts.models import Contact
from shared.db import AsyncSession
from shared.events.messaging import Channel

_contacts = Contact.__table__  # type: ignore[attr-defined]


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


async def get_contact(session: AsyncSession, member_id: uuid.UUID) -> Contact | None:
    return await session.get(Contact, member_id)


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
