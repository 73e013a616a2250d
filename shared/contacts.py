"""Members' contact data read from the customer service, for the services that keep a copy.

Events carry ids only (no name, phone, email, birthday, not even encrypted): a service that
needs a member's contact (messaging for its messages, loyalty for the birthday) asks
customer for it, ``GET /members/{id}/contact``, with a service token it signs itself
(its own key ring, published in its JWKS; the token names only the ``service`` role), and
keeps its own encrypted copy. The answer is the member's contact *now*, so a replayed or
late event fetches the current one and applying it again changes nothing.

:class:`MemberContact` is the answer's shape (the contract, as the event classes are).
:class:`MemberContacts` is the one client: one token serves every call until a minute
before it expires; every call has a timeout (``customer_timeout_seconds``). Customer not
answering (refused connection, timeout, 5xx, an answer that is not a contact) raises
:class:`ContactUnavailable`, a :class:`ConnectionError`, which consumers treat as transient
(``shared.db.is_transient``): the partition is held and retried, never parked. A member
customer does not know (404) or erased (410) is ``None``: nothing to keep.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.jwks import TokenSigner
from shared.keys import service_issuer
from shared.settings import ContactReaderSettings
from shared.tokens import issue_token

log = logging.getLogger(__name__)

TOKEN_TTL = timedelta(minutes=5)
"""How long a service token for customer lives."""
TOKEN_MARGIN = timedelta(minutes=1)
"""A token is replaced this long before it expires."""
GONE = (404, 410)
"""Customer's answers for a member it does not know (404) or erased (410)."""


class MemberContact(BaseModel):
    """A member's contact data as customer holds it now (``GET /members/{id}/contact``)."""

    model_config = ConfigDict(frozen=True)

    member_id: uuid.UUID = Field(examples=["7d1c0a52-3b6e-4f0e-9a41-2c8e5b7f9d10"])
    name: str = Field(examples=["李雷"])
    phone: str = Field(
        description="E.164 (``+8613812345678``); digits for a number stored before E.164 "
        "that is no valid mobile number",
        examples=["+8613812345678"],
    )
    email: str | None = Field(default=None, examples=["lilei@example.com"])
    birthday: date | None = Field(
        default=None, description="ISO date, no timezone", examples=["1990-05-04"]
    )
    gender: Literal["female", "male", "other", "undisclosed"] | None = Field(
        default=None, examples=["male"]
    )
    locale: Literal["zh-CN", "en"] = Field(default="zh-CN", examples=["zh-CN"])
    version: int = Field(
        ge=1, description="The profile's version (the ``ETag`` of its profile)", examples=[3]
    )


class ContactUnavailable(ConnectionError):
    """Customer did not answer a contact read usefully (down, timeout, 5xx, not a contact):
    transient, so a consumer retries the event rather than parking it."""


class MemberContacts:
    """Customer's ``GET /members/{id}/contact`` as a service (``subject``) calls it, signing
    its token with ``signer``."""

    def __init__(self, base_url: str, signer: TokenSigner, subject: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self._signer = signer
        self._subject = subject
        self._timeout = timeout
        self._token = ""
        self._renew_at = 0.0
        self._http: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _pool(self) -> httpx.AsyncClient:
        """One HTTP client (its connections kept alive) per event loop: a connection per
        read made a registration cost messaging a TCP handshake; a client is bound to the
        loop it connected on, and a process may run several loops one after another."""
        loop = asyncio.get_running_loop()
        if self._http is None or self._loop is not loop:
            self._http, self._loop = httpx.AsyncClient(timeout=self._timeout), loop
        return self._http

    def _bearer(self) -> str:
        """One token for every call until :data:`TOKEN_MARGIN` before it expires, so
        customer verifies its signature once (then remembers it)."""
        now = time.monotonic()
        if now >= self._renew_at:
            self._token = issue_token(
                self._signer, subject=self._subject, role="service", ttl=TOKEN_TTL
            )
            self._renew_at = now + (TOKEN_TTL - TOKEN_MARGIN).total_seconds()
        return self._token

    async def fetch(self, member_id: uuid.UUID) -> MemberContact | None:
        """The member's contact now; ``None`` for a member customer does not know or
        erased; raises :class:`ContactUnavailable` when customer cannot say."""
        url = f"{self.base_url}/members/{member_id}/contact"
        headers = {"Authorization": f"Bearer {self._bearer()}"}
        try:
            response = await self._pool().get(url, headers=headers)
        except httpx.HTTPError as failed:
            log.warning("customer did not answer the contact of %s: %r", member_id, failed)
            raise ContactUnavailable(
                f"customer did not answer ({type(failed).__name__})"
            ) from failed
        if response.status_code in GONE:
            log.info("customer has no contact for member %s (%d)", member_id, response.status_code)
            return None
        if response.status_code != 200:
            log.warning(
                "customer answered the contact of %s with %d", member_id, response.status_code
            )
            raise ContactUnavailable(f"customer answered {response.status_code}")
        try:
            return MemberContact.model_validate_json(response.content)
        except ValidationError as exc:
            raise ContactUnavailable(f"customer's answer is not a contact: {exc}") from exc


@lru_cache(maxsize=16)
def _client(
    base_url: str, signing_keys: str, environment: str, service: str, timeout: float
) -> MemberContacts:
    signer = TokenSigner(
        signing_keys, service_issuer(service), refuse_development=environment == "production"
    )
    return MemberContacts(base_url, signer, service, timeout)


def member_contacts(settings: ContactReaderSettings, service: str) -> MemberContacts:
    """The client ``settings`` configure for ``service`` (its token's subject; it signs as
    :func:`shared.keys.service_issuer` of it): one per configuration and process, so its
    token is reused across events."""
    return _client(
        settings.customer_url,
        settings.signing_keys.get_secret_value(),
        settings.environment,
        service,
        settings.customer_timeout_seconds,
    )
