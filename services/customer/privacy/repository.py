"""Queries of erasure: the member's row locked, and what customer's other tables hold
about them removed or blanked."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, update
from sqlmodel import col

from services.customer.categories.models import MemberCategory
from services.customer.desk.models import Ticket
from services.customer.fields.models import MemberFieldValue
from services.customer.joining.models import MemberQualification
from services.customer.search.models import MemberNameGram, PinnedMember, RecentMember
from services.customer.signin.models import RefreshFamily, SigninCode
from services.customer.tags.models import MemberTag
from shared.db import AsyncSession

_OF_THE_MEMBER = (
    MemberNameGram,
    RecentMember,
    PinnedMember,
    MemberFieldValue,
    MemberTag,
    MemberCategory,
)


async def forget(
    session: AsyncSession, member_id: uuid.UUID, phone_hash: str, description_encrypted: str
) -> None:
    """Removes what customer's tables hold about the member beside their row: name
    search grams, staff's recent and pinned lists, custom field values, tags, category,
    sign-in codes sent to their phone (``phone_hash``, the one they had) and every
    sign-in (refresh families, their tokens with them); blanks the free text of their
    qualification note and their tickets (a ticket's description, which cannot be empty, becomes
    ``description_encrypted``)."""
    for table in _OF_THE_MEMBER:
        await session.execute(delete(table).where(col(table.member_id) == member_id))
    await session.execute(
        delete(SigninCode).where(
            (col(SigninCode.phone_hash) == phone_hash) | (col(SigninCode.member_id) == member_id)
        )
    )
    await session.execute(delete(RefreshFamily).where(col(RefreshFamily.member_id) == member_id))
    await session.execute(
        update(MemberQualification)
        .where(col(MemberQualification.member_id) == member_id)
        .values(note_encrypted=None)
    )
    await session.execute(
        update(Ticket)
        .where(col(Ticket.member_id) == member_id)
        .values(
            description_encrypted=description_encrypted,
            invalid_reason_encrypted=None,
            resolution_encrypted=None,
            follow_up_note_encrypted=None,
            survey_comment_encrypted=None,
        )
    )
