"""Who may call a route: the FastAPI dependencies that admit a bearer token's caller by role,
store and member, the limit on wrong tokens, and store API keys.

Every service checks the caller itself; none trusts a request because of where it comes
from on the network. What a token names and how it is verified is :mod:`shared.tokens`.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Protocol

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.db import AsyncSession
from shared.errors import Forbidden, TooManyInvalidTokens, Unauthorized
from shared.jwks import PublicKeys
from shared.observability import RATE_LIMITED
from shared.openapi import admits, answers, problem
from shared.ratelimits import RateLimit
from shared.settings import BaseServiceSettings
from shared.tokens import Principal, Role, verify_token

logger = logging.getLogger(__name__)

_bearer = HTTPBearer(
    auto_error=False,
    description="A staff token from `POST /staff/sessions` (or `huiyuan token`), or a member's",
)
bearer_credentials = _bearer
"""The bearer scheme, for a dependency that admits a bearer token beside another scheme."""


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
