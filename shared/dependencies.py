"""What routes depend on: the request's transaction, the PII cipher and the calling store.

Staff and member callers come from bearer tokens (``shared.auth``); a store comes from its
API key in ``X-API-Key``, looked up in the service's :class:`~shared.auth.StoreDirectory`
(only orders has one). Idempotent POSTs depend on ``shared.idempotency.Idempotent``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Protocol

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from shared.audit.requests import record_change
from shared.auth import StoreDirectory, StoreRef
from shared.crypto import PiiCipher
from shared.db import AsyncSession, Sessions, single_statement, transaction
from shared.errors import Unauthorized
from shared.jwks import TokenSigner
from shared.openapi import answers


class _Runtime(Protocol):
    @property
    def sessions(self) -> Sessions: ...


async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A FastAPI dependency: one transaction per request, committed at the edge. A staff
    request that changes data is recorded in the audit log in this transaction once its
    handler returned (``shared.audit``), so no route has to remember it."""
    runtime: _Runtime = request.app.state.runtime
    async with transaction(runtime.sessions) as session:
        yield session
        await record_change(session, request)


# "function" scope commits when the endpoint returns, before the answer is sent; the default
# would commit after sending it, so a client could hold a 201 the database then lost.
RequestSession = Annotated[AsyncSession, Depends(request_session, scope="function")]


async def single_statement_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A FastAPI dependency for a route that reads in **one statement**
    (:func:`shared.db.single_statement`: autocommit, no ``BEGIN`` and ``COMMIT`` round
    trips); a route that reads twice, or writes, depends on :data:`RequestSession`."""
    runtime: _Runtime = request.app.state.runtime
    async with single_statement(runtime.sessions) as session:
        yield session


SingleStatementSession = Annotated[
    AsyncSession, Depends(single_statement_session, scope="function")
]


async def pii_cipher(request: Request) -> PiiCipher:
    """The service's cipher for personal data, built once from its ``pii_key``. (Async,
    though it awaits nothing: FastAPI runs a plain ``def`` dependency in its thread pool, a
    hand-off to a worker thread and back on every request.)"""
    cipher: PiiCipher = request.app.state.cipher
    return cipher


Cipher = Annotated[PiiCipher, Depends(pii_cipher)]


async def token_signer(request: Request) -> TokenSigner:
    """The issuer's signer (customer, orders; ``ServiceSpec.signer``): its key ring signs
    tokens, e.g. ``shared.tokens.issue_member_token(signer, member_id)``. Async for the
    reason :func:`pii_cipher` gives."""
    signer: TokenSigner | None = request.app.state.signer
    if signer is None:
        raise RuntimeError("this service signs no tokens (its ServiceSpec has no signer)")
    return signer


Signer = Annotated[TokenSigner, Depends(token_signer)]

_api_key = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="The store's API key, from `POST /stores` or `huiyuan store add`",
)
_KEY_HINT = {"WWW-Authenticate": 'ApiKey header="X-API-Key"'}


@answers(401, 429)
async def current_store(
    request: Request, session: RequestSession, api_key: Annotated[str | None, Depends(_api_key)]
) -> StoreRef:
    """The store whose API key came in ``X-API-Key``; raises ``Unauthorized`` (401), and
    the directory's 429 past its limits on wrong keys per client address (the peer's
    address: behind a proxy, run uvicorn with ``--forwarded-allow-ips`` so that it is the
    client's)."""
    if not api_key:
        raise Unauthorized(
            "This endpoint needs the store's API key in the X-API-Key header", headers=_KEY_HINT
        )
    stores: StoreDirectory | None = request.app.state.spec.stores
    client = request.client.host if request.client else "unknown"
    store = None if stores is None else await stores.for_key(session, api_key, client)
    if store is None:
        raise Unauthorized("The X-API-Key header is not a valid store API key", headers=_KEY_HINT)
    return store


CurrentStore = Annotated[StoreRef, Depends(current_store)]
