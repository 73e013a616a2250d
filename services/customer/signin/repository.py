"""Queries of sign-in codes and refresh token families."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Table, delete, exists, or_, update
from sqlmodel import col, select

from services.customer.signin.models import RefreshFamily, RefreshToken, SigninCode
from shared.db import AsyncSession

_families: Table = RefreshFamily.__table__  # type: ignore[attr-defined]
_tokens: Table = RefreshToken.__table__  # type: ignore[attr-defined]
_codes: Table = SigninCode.__table__  # type: ignore[attr-defined]


async def latest_code(session: AsyncSession, phone_hash: str) -> SigninCode | None:
    """The newest code sent to the phone, locked for this try (``FOR UPDATE``): two tries
    at once count both."""
    query = (
        select(SigninCode)
        .where(col(SigninCode.phone_hash) == phone_hash)
        .order_by(col(SigninCode.created_at).desc())
        .limit(1)
        .with_for_update()
    )
    return (await session.scalars(query)).first()


async def token(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    """The refresh token with this hash, locked (``FOR UPDATE``): of two exchanges of one
    token at once, the second sees the first's rotation."""
    query = select(RefreshToken).where(col(RefreshToken.token_hash) == token_hash)
    query = query.with_for_update()
    return (await session.scalars(query)).first()


async def family(session: AsyncSession, family_id: uuid.UUID) -> RefreshFamily | None:
    return await session.get(RefreshFamily, family_id, with_for_update=True)


async def revoke_families(
    session: AsyncSession,
    *,
    reason: str,
    at: datetime,
    family_id: uuid.UUID | None = None,
    member_id: uuid.UUID | None = None,
    staff_id: uuid.UUID | None = None,
) -> int:
    """Revokes the family ``family_id``, or every family of ``member_id`` or of
    ``staff_id``, not revoked yet; how many."""
    query = update(_families).where(_families.c.revoked_at.is_(None))
    if family_id is not None:
        query = query.where(_families.c.id == family_id)
    if member_id is not None:
        query = query.where(_families.c.member_id == member_id)
    if staff_id is not None:
        query = query.where(_families.c.staff_id == staff_id)
    result = await session.execute(query.values(revoked_at=at, revoked_reason=reason))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def purge(
    session: AsyncSession, *, codes_before: datetime, revoked_before: datetime, now: datetime
) -> int:
    """Deletes the codes that expired before ``codes_before``, the families revoked before
    ``revoked_before`` and those none of whose tokens is live at ``now`` (their tokens
    go with them); how many rows in all."""
    codes = await session.execute(delete(_codes).where(_codes.c.expires_at < codes_before))
    live = exists().where(_tokens.c.family_id == _families.c.id, _tokens.c.expires_at > now)
    families = await session.execute(
        delete(_families).where(or_(_families.c.revoked_at < revoked_before, ~live))
    )
    return int(codes.rowcount) + int(families.rowcount)  # type: ignore[attr-defined]
