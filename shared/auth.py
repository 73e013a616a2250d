"""Who is calling: staff and member bearer tokens (JWT, HS256) and store API keys.

Every service checks the caller itself; none trusts a request because of where it comes
from on the network.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import jwt
from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.errors import Forbidden, Unauthorized
from shared.openapi import answers, problem

Role = Literal["admin", "marketing", "service", "analyst"]
ROLES: tuple[Role, ...] = ("admin", "marketing", "service", "analyst")
ISSUER = "huiyuan"

_bearer = HTTPBearer(auto_error=False, description="A staff or member token from `huiyuan token`")


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role | None = None
    member_id: uuid.UUID | None = None

    @property
    def is_staff(self) -> bool:
        return self.role is not None


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
    role = claims.get("role")
    if role is not None and role not in ROLES:
        raise Unauthorized(f"The bearer token names an unknown role {role!r}")
    member = claims.get("member_id")
    return Principal(
        subject=str(claims["sub"]),
        role=role,
        member_id=uuid.UUID(member) if member else None,
    )


@answers(401)
async def current_principal(request: Request) -> Principal:
    credentials: HTTPAuthorizationCredentials | None = await _bearer(request)
    if credentials is None:
        raise Unauthorized(
            "This endpoint needs a bearer token (Authorization: Bearer ...)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    secret: str = request.app.state.settings.jwt_secret.get_secret_value()
    return decode_token(secret, credentials.credentials)


def require_roles(*roles: Role) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency admitting staff with one of ``roles`` (admin is always admitted)."""

    @answers(401, 403)
    async def dependency(request: Request) -> Principal:
        principal = await current_principal(request)
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


def generate_api_key() -> str:
    return f"hy_{secrets.token_urlsafe(32)}"


def hash_api_key(api_key: str) -> str:
    """API keys are long random strings, so a plain SHA-256 is enough (no slow KDF needed)."""
    return hashlib.sha256(api_key.encode()).hexdigest()
