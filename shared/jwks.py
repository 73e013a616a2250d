"""Where tokens are signed and where they are checked.

:class:`TokenSigner` is an issuer's side: its key ring (``shared.keys``), from its
``signing_keys`` setting. :class:`PublicKeys` is every service's side: the issuers' public
keys, from the JWKS its ``jwks`` setting names (URLs or files), cached, and read again when
a token names a kid it does not know (a rotation) or after :data:`STALE_AFTER_SECONDS` (a
key dropped from a JWKS stops being accepted).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shared.errors import ServiceUnavailable
from shared.keys import (
    DEVELOPMENT_ISSUERS,
    IDENTITY_ISSUER,
    KeyFileError,
    KeyRing,
    development_public_keys,
    development_ring,
    public_bytes,
    public_key_of,
)
from shared.settings import BaseServiceSettings, IssuerSettings

log = logging.getLogger(__name__)

STALE_AFTER_SECONDS = 600.0
"""The cached keys are read again when a token arrives after this long."""
VERIFIED_CACHE_SIZE = 10_000
"""Tokens already verified, remembered until they expire (a till sends the same one on every
request): at most this many, forgotten all at once when full or when the keys change."""
UNKNOWN_KID_INTERVAL_SECONDS = 5.0
"""An unknown kid reads the sources again at most this often (garbage kids cost nothing)."""


class TokenSigner:
    """An issuer's key ring, from its ``signing_keys`` setting: a file path (read again when
    the file changes, so ``huiyuan keys rotate`` takes effect without a restart), the ring's
    JSON itself (a secret in an environment variable), or empty for the development ring,
    which ``refuse_development`` (production) refuses with :class:`KeyFileError`."""

    def __init__(self, setting: str, issuer: str, *, refuse_development: bool = False) -> None:
        self.issuer = issuer
        self._refuse = refuse_development
        self._path: Path | None = None
        self._ring: KeyRing | None = None
        self._mtime = 0.0
        if not setting:
            self._ring = development_ring(issuer)
        elif setting.lstrip().startswith("{"):
            self._ring = KeyRing.from_json(setting)
        else:
            self._path = Path(setting)

    @property
    def ring(self) -> KeyRing:
        if self._path is not None:
            mtime = self._path.stat().st_mtime
            if self._ring is None or mtime != self._mtime:
                self._ring, self._mtime = KeyRing.from_json(self._path.read_text()), mtime
        assert self._ring is not None
        if self._ring.issuer != self.issuer:
            raise KeyFileError(f"the signing keys are {self._ring.issuer!r}'s, not {self.issuer!r}")
        if self._refuse and self._ring.is_development:
            raise KeyFileError("the development signing key is refused in production")
        return self._ring

    @classmethod
    def of(cls, settings: IssuerSettings, issuer: str) -> TokenSigner:
        """The signer ``settings`` configure for ``issuer``."""
        return cls(
            settings.signing_keys.get_secret_value(),
            issuer,
            refuse_development=settings.environment == "production",
        )


def development_signer(issuer: str = IDENTITY_ISSUER) -> TokenSigner:
    """The development ring's signer (tests, benchmarks): its tokens verify wherever no
    ``jwks`` is set, and nowhere in production."""
    return TokenSigner("", issuer)


@dataclass(frozen=True)
class VerifyingKey:
    """A published public key and the only ``iss`` whose tokens it verifies."""

    issuer: str
    public: Ed25519PublicKey


def keys_of_jwks(document: Any, *, refuse_development: bool) -> dict[str, VerifyingKey]:
    """The Ed25519 keys of a JWKS by kid (other kinds are skipped); the JWKS must name its
    ``issuer``. With ``refuse_development`` the development keys are left out."""
    if not isinstance(document, dict) or not isinstance(document.get("issuer"), str):
        raise KeyFileError("a JWKS here is an object naming its issuer, with keys")
    refused = development_public_keys() if refuse_development else frozenset()
    found: dict[str, VerifyingKey] = {}
    for jwk in document.get("keys") or []:
        if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            continue
        public = public_key_of(jwk)
        if public_bytes(public) in refused:
            log.error("a development key (kid %s) is published; it is refused", jwk.get("kid"))
            continue
        if isinstance(jwk.get("kid"), str):
            found[jwk["kid"]] = VerifyingKey(document["issuer"], public)
    return found


class PublicKeys:
    """The keys tokens are verified with, from JWKS ``sources`` (``http(s)://`` URLs or file
    paths); none means the development rings' keys, which ``refuse_development`` (production)
    leaves out wherever they appear."""

    def __init__(
        self,
        sources: Sequence[str],
        *,
        refuse_development: bool,
        unknown_kid_interval: float = UNKNOWN_KID_INTERVAL_SECONDS,
    ) -> None:
        self._sources = tuple(sources)
        self._interval = unknown_kid_interval
        self._refuse = refuse_development
        self._by_source: dict[str, dict[str, VerifyingKey]] = {}
        self._keys: dict[str, VerifyingKey] = {}
        if not self._sources:
            for issuer in DEVELOPMENT_ISSUERS:
                jwks = development_ring(issuer).jwks()
                self._keys |= keys_of_jwks(jwks, refuse_development=refuse_development)
        self._read_at = -STALE_AFTER_SECONDS if self._sources else float("inf")
        self._tried_at = -unknown_kid_interval
        self._lock = asyncio.Lock()
        self._verified: dict[str, tuple[object, float]] = {}

    def recall(self, token: str) -> object | None:
        """What :meth:`remember` kept for ``token``, until its ``exp`` (UNIX seconds)."""
        kept = self._verified.get(token)
        if kept is None or kept[1] <= time.time():
            return None
        return kept[0]

    def remember(self, token: str, principal: object, expires: float) -> None:
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (principal, expires)

    @classmethod
    def of(cls, settings: BaseServiceSettings) -> PublicKeys:
        """The keys ``settings.jwks`` names."""
        return cls(settings.jwks, refuse_development=settings.environment == "production")

    async def find(self, kid: str) -> VerifyingKey | None:
        """The key named ``kid``, or None; raises :class:`ServiceUnavailable` (503) when a
        source was never read and cannot be now."""
        now = time.monotonic()
        key = self._keys.get(kid)
        stale = now - self._read_at > STALE_AFTER_SECONDS
        unknown = key is None and now - self._tried_at >= self._interval
        if self._sources and (unknown or stale):
            async with self._lock:
                if self._tried_at <= now:  # not read by another caller meanwhile
                    await self._read_all()
            key = self._keys.get(kid)
        return key

    async def _read_all(self) -> None:
        self._tried_at = time.monotonic()
        unread = []
        for source in self._sources:
            try:
                document = await _read(source)
                self._by_source[source] = keys_of_jwks(document, refuse_development=self._refuse)
            except (OSError, httpx.HTTPError, ValueError) as exc:
                log.warning("could not read the JWKS at %s: %r", source, exc)
                unread.append(source)
        if any(source not in self._by_source for source in unread):
            raise ServiceUnavailable(
                "The token issuers' public keys cannot be read now; try again shortly",
                headers={"Retry-After": "5"},
            )
        merged: dict[str, VerifyingKey] = {}
        for keys in self._by_source.values():
            merged |= keys
        if merged != self._keys:
            self._verified.clear()  # a key dropped from a JWKS stops verifying at once
        self._keys = merged
        # a source that failed is tried again in a minute, not on every request meanwhile
        self._read_at = time.monotonic() - (STALE_AFTER_SECONDS - 60.0 if unread else 0.0)


async def _read(source: str) -> Any:
    if source.startswith(("http://", "https://")):
        async with httpx.AsyncClient(timeout=3.0) as client:
            response = await client.get(source)
            response.raise_for_status()
            return response.json()
    return json.loads(await asyncio.to_thread(Path(source).read_text))
