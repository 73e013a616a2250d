"""The caller a bearer token names (:class:`Principal`), and the tokens themselves: JWTs
signed EdDSA, issued for staff and members and verified against the issuers' published keys.

Tokens are signed by an issuer's private key (``shared.jwks`` :class:`TokenSigner`: the
customer service for staff and members, orders for its calls to loyalty) and verified with
the keys the issuers publish (:class:`PublicKeys`). Admitting a caller to a route is
:mod:`shared.auth`'s business.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import jwt

from shared.errors import Unauthorized
from shared.jwks import PublicKeys, TokenSigner, VerifyingKey
from shared.keys import ALGORITHM, IDENTITY_ISSUER, MAX_TOKEN_TTL
from shared.settings import BaseServiceSettings

Role = Literal["admin", "marketing", "service", "analyst", "manager"]
ROLES: tuple[Role, ...] = ("admin", "marketing", "service", "analyst", "manager")

MAX_SUBJECT_LENGTH = 255
"""A token's subject: a staff login (often an email address) or ``member-<uuid>``."""
_SUBJECT = re.compile(rf"[^\x00-\x20\x7f-\x9f]{{1,{MAX_SUBJECT_LENGTH}}}")
_SHORT_SCOPE = 64


@dataclass(frozen=True)
class Principal:
    """A staff member (``role``; a store manager may be limited to ``store_id``) or a
    member (``member_id``), from a bearer token."""

    subject: str
    role: Role | None = None
    member_id: uuid.UUID | None = None
    store_id: uuid.UUID | None = None

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


ACCESS_TOKEN_TTL = timedelta(hours=12)
"""How long a staff or member access token lives unless told otherwise."""


def issue_token(
    signer: TokenSigner,
    *,
    subject: str,
    role: Role | None = None,
    member_id: uuid.UUID | None = None,
    store_id: uuid.UUID | None = None,
    ttl: timedelta = ACCESS_TOKEN_TTL,
) -> str:
    """A bearer token (a JWT signed EdDSA by the signer's current key, its ``kid`` in the
    header) naming a staff ``role`` (a store manager may be limited to ``store_id``) or a
    ``member_id``; lives ``ttl`` (at most :data:`~shared.keys.MAX_TOKEN_TTL`)."""
    if (role is None) == (member_id is None):
        raise ValueError("a token is either a staff token (role) or a member token (member_id)")
    if store_id is not None and role is None:
        raise ValueError("a store scope is for staff tokens")
    if not timedelta(0) < ttl <= MAX_TOKEN_TTL:
        raise ValueError(f"a token lives more than 0 and at most {MAX_TOKEN_TTL}")
    ring = signer.ring
    now = datetime.now(UTC)
    claims: dict[str, object] = {"iss": ring.issuer, "sub": subject, "iat": now, "exp": now + ttl}
    if role is not None:
        claims["role"] = role
    if member_id is not None:
        claims["member_id"] = str(member_id)
    if store_id is not None:
        claims["store_id"] = str(store_id)
    key = ring.current
    return jwt.encode(claims, key.private, algorithm=ALGORITHM, headers={"kid": key.kid})


def issue_member_token(
    signer: TokenSigner, member_id: uuid.UUID, *, ttl: timedelta = ACCESS_TOKEN_TTL
) -> str:
    """A member's access token (subject ``member-<uuid>``), e.g. after a sign-in."""
    return issue_token(signer, subject=f"member-{member_id}", member_id=member_id, ttl=ttl)


NOT_A_JWT = (
    "The bearer token is not a well-formed JWT: three base64url parts (header.payload."
    "signature) separated by dots, the first two JSON objects"
)


def invalid_token(detail: str) -> Unauthorized:
    """A 401 for a bearer token that was sent but is not valid, with the RFC 6750 header
    (``WWW-Authenticate: Bearer error="invalid_token"``) next to ``detail``."""
    return Unauthorized(detail, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def _refused(exc: jwt.PyJWTError) -> Unauthorized:
    """The JWT library's refusal; one it could not even read in this API's words."""
    unreadable = isinstance(exc, jwt.DecodeError) and not isinstance(exc, jwt.InvalidSignatureError)
    return invalid_token(NOT_A_JWT if unreadable else f"The bearer token is not valid: {exc}")


async def verify_token(keys: PublicKeys, token: str) -> Principal:
    """The caller a token names, once its signature checks out with the published key its
    ``kid`` names; raises :class:`Unauthorized` (401) for anything else: another algorithm
    (``none``, HS256), an unknown kid, a bad signature, an expired token or claims that do
    not fit its issuer, and :class:`ServiceUnavailable` (503) if no JWKS can be read."""
    known = keys.recall(token)
    if isinstance(known, Principal):
        return known
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise _refused(exc) from exc
    if header.get("alg") != ALGORITHM:
        raise invalid_token(f"The bearer token must be signed {ALGORITHM}, not {header.get('alg')}")
    kid = header.get("kid")
    key = await keys.find(kid) if isinstance(kid, str) else None
    if key is None:
        raise invalid_token("The bearer token names no key an issuer publishes (kid)")
    principal, expires = decode_token(key, token)
    keys.remember(token, principal, expires)
    return principal


def decode_token(key: VerifyingKey, token: str) -> tuple[Principal, float]:
    """The caller a token names, verified with ``key`` (see :func:`verify_token`), and when
    the token expires (UNIX seconds)."""
    try:
        claims = jwt.decode(
            token,
            key.public,
            algorithms=[ALGORITHM],
            issuer=key.issuer,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.PyJWTError as exc:
        raise _refused(exc) from exc
    subject = claims["sub"]
    if not isinstance(subject, str) or not _SUBJECT.fullmatch(subject):
        raise invalid_token(
            f"The bearer token's subject must be 1 to {MAX_SUBJECT_LENGTH} characters without "
            "spaces or control characters"
        )
    role = claims.get("role")
    if role is not None and role not in ROLES:
        raise invalid_token(f"The bearer token names an unknown role {role!r}")
    member, store = claims.get("member_id"), claims.get("store_id")
    if key.issuer != IDENTITY_ISSUER and (role != "service" or member or store):
        raise invalid_token(f"Tokens of {key.issuer} may only name the service role")
    principal = Principal(
        subject=subject,
        role=role,
        member_id=_uuid_claim("member_id", member) if member else None,
        store_id=_uuid_claim("store_id", store) if store else None,
    )
    return principal, float(claims["exp"])


def _uuid_claim(name: str, claim: object) -> uuid.UUID:
    if isinstance(claim, str):
        try:
            return uuid.UUID(claim)
        except ValueError:
            pass
    raise invalid_token(f"The bearer token's {name} is not a UUID")
