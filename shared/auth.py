"""Who is calling: staff and member bearer tokens (JWT, EdDSA) and store API keys.

Every service checks the caller itself; none trusts a request because of where it comes
from on the network. Tokens are signed by an issuer's private key (``shared.jwks``
:class:`TokenSigner`: the customer service for staff and members, orders for its calls to
loyalty) and verified with the keys the issuers publish (:class:`PublicKeys`).
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal, Protocol

import jwt
from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.db import AsyncSession
from shared.errors import Forbidden, TooManyInvalidTokens, Unauthorized
from shared.jwks import PublicKeys, TokenSigner, VerifyingKey
from shared.keys import ALGORITHM, IDENTITY_ISSUER, MAX_TOKEN_TTL
from shared.observability import RATE_LIMITED
from shared.openapi import admits, answers, problem
from shared.ratelimits import RateLimit
from shared.settings import BaseServiceSettings

logger = logging.getLogger(__name__)

Role = Literal["admin", "marketing", "service", "analyst", "manager"]
ROLES: tuple[Role, ...] = ("admin", "marketing", "service", "analyst", "manager")

_bearer = HTTPBearer(
    auto_error=False,
    description="A staff token from `POST /staff/sessions` (or `huiyuan token`), or a member's",
)
bearer_credentials = _bearer
"""The bearer scheme, for a dependency that admits a bearer token beside another scheme."""


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


class BearerFailures:
    """Wrong bearer tokens counted per client address (``bearer_failures_per_address``,
    counted in this process: :mod:`shared.ratelimits` says why). Past the limit, the
    address's tokens are refused 429 before any verification (no JWKS fetch, no signature
    check), except a token this process verified already and remembers until it expires, so
    the signed-in users behind one busy address keep working. Each refusal counts
    ``huiyuan_rate_limited_total{limit="bearer_address"}``; one warning line per minute per
    address (``bearer token attempts limited``), naming no token."""

    def __init__(self, limit: str) -> None:
        self._limit = RateLimit(limit)
        self._warned = RateLimit("1/minute")

    def admit(self, client: str) -> None:
        """Raises :class:`TooManyInvalidTokens` (429 with ``Retry-After``) when ``client``
        is past the limit."""
        if not self._limit.allows(client):
            raise self._limited(client)

    def failed(self, client: str) -> None:
        """Counts one wrong token of ``client``."""
        self._limit.hit(client)

    def _limited(self, client: str) -> TooManyInvalidTokens:
        RATE_LIMITED.labels("bearer_address").inc()
        if self._warned.hit(client):
            logger.warning(
                "bearer token attempts limited",
                extra={"client": client, "limit": str(self._limit.item)},
            )
        retry = self._limit.retry_after(client)
        return TooManyInvalidTokens(
            f"Too many invalid bearer tokens from this address; retry in {retry} seconds",
            where="header",
            field="Authorization",
            headers={"Retry-After": str(retry)},
        )


@answers(401, 429)
async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller of a bearer token (a dependency: its scheme shows in the OpenAPI, so
    /docs offers to authorize); raises ``Unauthorized`` (401), and
    :class:`~shared.errors.TooManyInvalidTokens` (429) past the wrong tokens an address may
    send (:class:`BearerFailures`; the peer's address, as for store keys)."""
    if credentials is None:
        raise Unauthorized(
            "This endpoint needs a bearer token (Authorization: Bearer ...)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    keys: PublicKeys = request.app.state.public_keys
    token = credentials.credentials
    known = keys.recall(token)
    if isinstance(known, Principal):
        principal = known
    else:
        failures: BearerFailures = request.app.state.bearer_failures
        client = request.client.host if request.client else "unknown"
        failures.admit(client)
        try:
            principal = await verify_token(keys, token)
        except Unauthorized:
            failures.failed(client)
            raise
    request.state.principal = principal  # for the audit trail (shared.audit.requests)
    return principal


def require_roles(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting staff with one of ``roles`` (admin is always admitted)."""

    @admits(*roles)
    @answers(401, 403)
    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        return _with_role(principal, roles)

    return dependency


def _with_role(principal: Principal, roles: tuple[Role, ...]) -> Principal:
    if principal.role == "admin" or principal.role in roles:
        return principal
    allowed = ", ".join(sorted({"admin", *roles}))
    raise Forbidden(f"This endpoint is for staff with one of the roles: {allowed}")


def ensure_store_access(principal: Principal, store_id: uuid.UUID | None) -> None:
    """A manager scoped to a store (the token's ``store_id``) reaches that store's
    resources only; anyone else admitted by the route's roles reaches every store (an admin,
    a manager without a scope: a regional manager). ``store_id`` ``None`` is a resource of no
    store (a hotline ticket), which a scoped manager does not reach either.

    Raises :class:`Forbidden` (403); document it with ``responses=STORE_ACCESS``."""
    if principal.store_id is not None and principal.store_id != store_id:
        raise Forbidden(
            "This token is scoped to another store: a store manager reaches their own "
            "store's resources only"
        )


def store_scope(principal: Principal) -> uuid.UUID | None:
    """The one store a list is limited to for ``principal`` (a scoped manager's), or
    ``None`` for callers who see every store's rows."""
    return principal.store_id


def store_filter(principal: Principal, requested: uuid.UUID | None) -> uuid.UUID | None:
    """The store a list keeps: a scoped manager's own store (asking for another's raises
    :class:`Forbidden`, 403), else the store the caller asked for (``None``: every
    store)."""
    scope = store_scope(principal)
    if scope is None:
        return requested
    ensure_store_access(principal, requested or scope)
    return scope


def require_store_roles(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency for a route with a ``{store_id}`` path parameter: staff with one of
    ``roles`` (admin always), a scoped manager only for their own store
    (:func:`ensure_store_access`); raises 401, 403."""

    @admits(*roles)
    @answers(401, 403)
    async def dependency(
        store_id: Annotated[uuid.UUID, Path(description="The store (orders' store id)")],
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> Principal:
        ensure_store_access(_with_role(principal, roles), store_id)
        return principal

    return dependency


# the OpenAPI ``responses`` entry of a route that calls ensure_store_access
STORE_ACCESS = problem(
    403,
    "This token is scoped to another store",
    "A store manager's token for another store, or staff without one of the roles above",
)

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
