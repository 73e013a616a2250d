"""Who is calling: staff and member bearer tokens (JWT, HS256) and store API keys.

Every service checks the caller itself; none trusts a request because of where it comes
from on the network.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal, Protocol

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.db import AsyncSession
from shared.errors import Forbidden, Unauthorized
from shared.openapi import admits, answers, problem
from shared.settings import BaseServiceSettings

Role = Literal["admin", "marketing", "service", "analyst", "manager"]
ROLES: tuple[Role, ...] = ("admin", "marketing", "service", "analyst", "manager")
ISSUER = "huiyuan"

_bearer = HTTPBearer(auto_error=False, description="A staff or member token from `huiyuan token`")
bearer_credentials = _bearer
"""The bearer scheme, for a dependency that admits a bearer token beside another scheme."""


MAX_SUBJECT_LENGTH = 255
"""A token's subject: a staff login (often an email address) or ``member-<uuid>``."""
_SUBJECT = re.compile(rf"[^\x00-\x20\x7f-\x9f]{{1,{MAX_SUBJECT_LENGTH}}}")
_SHORT_SCOPE = 64


@dataclass(frozen=True)
class Principal:
    """A staff member (``role``) or a member (``member_id``), from a bearer token."""

    subject: str
    role: Role | None = None
    member_id: uuid.UUID | None = None

    @property
    def is_staff(self) -> bool:
        return self.role is not None

    @property
    def idempotency_scope(self) -> str:
        if self.member_id is not None:
            return f"member:{self.member_id}"
        if len(self.subject) <= _SHORT_SCOPE:
            return f"staff:{self.subject}"
        # a long login still fits the scope column, and stays one scope per subject
        return f"staff:#{hashlib.sha256(self.subject.encode()).hexdigest()[:40]}"

    def idempotency_retention(self, settings: BaseServiceSettings) -> timedelta:
        return timedelta(hours=settings.idempotency_retention_hours)


@dataclass(frozen=True)
class StoreRef:
    """The store a request came from, by its API key (a plain value, safe to cache)."""

    id: uuid.UUID
    name: str

    @property
    def idempotency_scope(self) -> str:
        return f"store:{self.id}"

    def idempotency_retention(self, settings: BaseServiceSettings) -> timedelta:
        """Stores upload a day's sales at day end, or after days offline, so their keys
        live longer."""
        return timedelta(hours=settings.store_idempotency_retention_hours)


class StoreDirectory(Protocol):
    """Finds a store by its API key (the orders service's ``stores`` capability).

    ``client`` is the caller's address, for limits on wrong keys; a directory may raise a
    ``ProblemError`` (429) past them.
    """

    async def for_key(
        self, session: AsyncSession, api_key: str, client: str
    ) -> StoreRef | None: ...


def issue_token(
    secret: str,
    *,
    subject: str,
    role: Role | None = None,
    member_id: uuid.UUID | None = None,
    ttl: timedelta = timedelta(hours=12),
) -> str:
    if (role is None) == (member_id is None):
        raise ValueError("a token is either a staff token (role) or a member token (member_id)")
    now = datetime.now(UTC)
    claims: dict[str, object] = {"iss": ISSUER, "sub": subject, "iat": now, "exp": now + ttl}
    if role is not None:
        claims["role"] = role
    if member_id is not None:
        claims["member_id"] = str(member_id)
    return jwt.encode(claims, secret, algorithm="HS256")


def decode_token(secret: str, token: str) -> Principal:
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], issuer=ISSUER, options={"require": ["exp", "sub"]}
        )
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"The bearer token is not valid: {exc}") from exc
    subject = claims["sub"]
    if not isinstance(subject, str) or not _SUBJECT.fullmatch(subject):
        raise Unauthorized(
            f"The bearer token's subject must be 1 to {MAX_SUBJECT_LENGTH} characters without "
            "spaces or control characters"
        )
    role = claims.get("role")
    if role is not None and role not in ROLES:
        raise Unauthorized(f"The bearer token names an unknown role {role!r}")
    member = claims.get("member_id")
    if member is not None and not isinstance(member, str):
        raise Unauthorized("The bearer token's member_id is not a UUID")
    return Principal(
        subject=subject,
        role=role,
        member_id=_member_id(member) if member else None,
    )


def _member_id(claim: str) -> uuid.UUID:
    try:
        return uuid.UUID(claim)
    except ValueError as exc:
        raise Unauthorized("The bearer token's member_id is not a UUID") from exc


@answers(401)
async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller of a bearer token (a dependency: its scheme shows in the OpenAPI, so
    /docs offers to authorize); raises ``Unauthorized`` (401)."""
    if credentials is None:
        raise Unauthorized(
            "This endpoint needs a bearer token (Authorization: Bearer ...)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    secret: str = request.app.state.settings.jwt_secret.get_secret_value()
    principal = decode_token(secret, credentials.credentials)
    request.state.principal = principal  # for the audit trail (shared.audit.requests)
    return principal


def require_roles(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting staff with one of ``roles`` (admin is always admitted)."""

    @admits(*roles)
    @answers(401, 403)
    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role == "admin" or principal.role in roles:
            return principal
        allowed = ", ".join(sorted({"admin", *roles}))
        raise Forbidden(f"This endpoint is for staff with one of the roles: {allowed}")

    return dependency


# the OpenAPI ``responses`` entry of a route that calls ensure_member_access
MEMBER_ACCESS = problem(
    403,
    "A member token can only read that member's own data",
    "A member token for another member, or staff without one of the roles named above",
)


def ensure_member_access(principal: Principal, member_id: uuid.UUID, *staff: Role) -> None:
    """Members see only themselves; staff need one of ``staff`` roles (or admin).

    Raises :class:`Forbidden` (403); document it with ``responses=MEMBER_ACCESS``.
    """
    if principal.member_id is not None:
        if principal.member_id != member_id:
            raise Forbidden("A member token can only read that member's own data")
        return
    if principal.role == "admin" or principal.role in staff:
        return
    raise Forbidden("This token may not read member data")


def hash_api_key(api_key: str) -> str:
    """API keys are long random strings, so a plain SHA-256 is enough (no slow KDF needed)."""
    return hashlib.sha256(api_key.encode()).hexdigest()
