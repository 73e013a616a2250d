"""Queries of the contact table."""

from __future__ import annotations

import uuid
from typing import Any

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


async def get_contact(session: AsyncSession, member_id: uuid.UUID) -> Contact | None:
    return await session.get(Contact, member_id)
