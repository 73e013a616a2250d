"""Rotating refresh tokens, the one machinery of member and staff sign-ins: a sign-in is a
family of refresh tokens (a member's or a staff account's); exchanging a token rotates it
(a second use is reuse: the whole family is revoked); sign-out, revoke-all, a password
change or a disabled account revoke families. They flush, never commit.

Seed: OAuth 2.0 Security Best Current Practice (RFC 9700, 4.14.2): refresh token rotation
with reuse detection for public clients.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.customer.signin import domain, repository
from services.customer.signin.domain import RevokedReason
from services.customer.signin.errors import RefreshTokenInvalid, RefreshTokenReused
from services.customer.signin.models import RefreshFamily, RefreshToken
from shared.db import AsyncSession


@dataclass(frozen=True)
class Issued:
    """A new refresh token (``token``, shown once; only its hash is kept) of ``family``,
    good for ``expires_in`` seconds."""

    family: RefreshFamily
    token: str
    expires_in: int


async def open_family(
    session: AsyncSession,
    *,
    lifetime: timedelta,
    now: datetime,
    member_id: uuid.UUID | None = None,
    staff_id: uuid.UUID | None = None,
) -> Issued:
    """A new sign-in of a member or (``staff_id``) a staff account, and its first refresh
    token, good for ``lifetime``."""
    family = RefreshFamily(id=uuid.uuid4(), member_id=member_id, staff_id=staff_id, created_at=now)
    session.add(family)
    await session.flush()
    return await _issue(session, family, lifetime, now)


async def _issue(
    session: AsyncSession, family: RefreshFamily, lifetime: timedelta, now: datetime
) -> Issued:
    text = domain.new_refresh_token()
    expires_at = now + lifetime
    session.add(
        RefreshToken(
            token_hash=domain.refresh_token_hash(text),
            family_id=family.id,
            created_at=now,
            expires_at=expires_at,
        )
    )
    await session.flush()
    return Issued(family, text, int((expires_at - now).total_seconds()))


async def rotate(
    session: AsyncSession, token: str, *, lifetime: timedelta, now: datetime, staff: bool
) -> Issued:
    """Exchanges a live refresh token of a staff (``staff``) or a member sign-in for the
    next one of its family (the old one never works again).

    Raises :class:`~.errors.RefreshTokenInvalid` (401: unknown, of the other kind of
    sign-in, expired, or of a revoked family) and :class:`~.errors.RefreshTokenReused`
    (401: rotated already; its whole family is revoked, which the caller commits)."""
    row = await repository.token(session, domain.refresh_token_hash(token))
    family = await repository.family(session, row.family_id) if row is not None else None
    if row is None or family is None or (family.staff_id is not None) != staff:
        raise RefreshTokenInvalid("This refresh token is unknown: sign in again")
    if family.revoked_at is not None:
        raise RefreshTokenInvalid("This sign-in was signed out or revoked: sign in again")
    if row.rotated_at is not None:
        await repository.revoke_families(session, reason="reuse", at=now, family_id=family.id)
        raise RefreshTokenReused(
            "This refresh token was already used: every token of its sign-in is revoked. "
            "Sign in again"
        )
    if now >= row.expires_at:
        raise RefreshTokenInvalid("This refresh token has expired: sign in again")
    row.rotated_at = now
    return await _issue(session, family, lifetime, now)


async def sign_out(session: AsyncSession, token: str, *, now: datetime, staff: bool) -> int:
    """Revokes the sign-in of a refresh token of a staff (``staff``) or a member sign-in
    (1); an unknown or already revoked token, or one of the other kind, changes nothing
    (0)."""
    row = await repository.token(session, domain.refresh_token_hash(token))
    family = await repository.family(session, row.family_id) if row is not None else None
    if family is None or (family.staff_id is not None) != staff:
        return 0
    return await repository.revoke_families(session, reason="sign_out", at=now, family_id=family.id)


async def revoke_all(
    session: AsyncSession,
    reason: RevokedReason,
    *,
    now: datetime,
    member_id: uuid.UUID | None = None,
    staff_id: uuid.UUID | None = None,
) -> int:
    """Revokes every live sign-in of the member or the staff account; how many."""
    if (member_id is None) == (staff_id is None):
        raise ValueError("revoke the sign-ins of a member or of a staff account")
    return await repository.revoke_families(
        session, reason=reason, at=now, member_id=member_id, staff_id=staff_id
    )
