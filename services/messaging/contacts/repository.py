"""Queries of the contact table."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert

from services.messaging.contacts.models import Contact
from shared.db import AsyncSession

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
