"""Signing keys: the Ed25519 key rings issuers hold and the JWKS that publish them.

An issuer signs bearer tokens with the newest key of its ring (the customer service for staff
and member tokens; orders, messaging and loyalty for their own calls to another service);
its JWKS (RFC 7517, served at ``/.well-known/jwks.json``) publishes the public half of
every key still in the ring, so a token signed by a key just superseded verifies until it
expires. :meth:`KeyRing.rotated` adds a key and drops those superseded longer than
:data:`KEEP_RETIRED` ago. Verifiers never hold a private key (:mod:`shared.jwks`).

A ring is stored as JSON: ``{"issuer": str, "keys": [private JWK + "created_at",
"retired_at" (ISO 8601, UTC)]}``, newest first, in a file of mode 0600.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALGORITHM = "EdDSA"
"""The only JWS algorithm signed and accepted (Ed25519, RFC 8037)."""
IDENTITY_ISSUER = "huiyuan"
"""The customer service's ``iss``: staff and member tokens."""
MAX_TOKEN_TTL = timedelta(hours=24)
"""No token lives longer (``issue_token`` refuses it)."""
KEEP_RETIRED = MAX_TOKEN_TTL
"""A superseded key stays published this long: the last token it signed has expired by then."""


def service_issuer(service: str) -> str:
    """The ``iss`` of the tokens a service signs for its own calls: they may only name the
    ``service`` role (``shared.auth``)."""
    return f"{IDENTITY_ISSUER}-{service}"


ORDERS_ISSUER = service_issuer("orders")
"""Orders' calls to loyalty (points and coupons at the till)."""
MESSAGING_ISSUER = service_issuer("messaging")
"""Messaging's calls to customer (a member's contact, ``GET /members/{id}/contact``)."""
LOYALTY_ISSUER = service_issuer("loyalty")
"""Loyalty's calls to customer (a member's birthday, ``GET /members/{id}/contact``)."""


class KeyFileError(ValueError):
    """A key ring or JWKS that cannot be read: not JSON, or a key that is not Ed25519."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise KeyFileError("a key's x or d must be a base64url string")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_of(jwk: dict[str, Any]) -> Ed25519PublicKey:
    """The Ed25519 key of a public JWK; raises :class:`KeyFileError` for any other kind."""
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise KeyFileError(f"key {jwk.get('kid')!r} is not an Ed25519 (OKP) key")
    try:
        return Ed25519PublicKey.from_public_bytes(_unb64(jwk.get("x")))
    except ValueError as exc:
        raise KeyFileError(f"key {jwk.get('kid')!r} has no valid x: {exc}") from exc


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: Ed25519PrivateKey
    created_at: datetime
    retired_at: datetime | None = None

    @property
    def public_jwk(self) -> dict[str, str]:
        x = _b64(public_bytes(self.private.public_key()))
        return {"kty": "OKP", "crv": "Ed25519", "kid": self.kid, "x": x, "alg": ALGORITHM}

    def stored(self) -> dict[str, str | None]:
        return {
            **self.public_jwk,
            "d": _b64(self.private.private_bytes_raw()),
            "created_at": self.created_at.isoformat(),
            "retired_at": self.retired_at.isoformat() if self.retired_at else None,
        }

    @classmethod
    def from_stored(cls, entry: dict[str, Any]) -> SigningKey:
        public_key_of(entry)
        kid, created, retired = entry.get("kid"), entry.get("created_at"), entry.get("retired_at")
        if not isinstance(kid, str) or not kid or not isinstance(created, str):
            raise KeyFileError("every stored key needs a kid and a created_at")
        try:
            private = Ed25519PrivateKey.from_private_bytes(_unb64(entry.get("d")))
            return cls(
                kid,
                private,
                datetime.fromisoformat(created),
                datetime.fromisoformat(retired) if isinstance(retired, str) else None,
            )
        except ValueError as exc:
            raise KeyFileError(f"key {kid!r} cannot be read: {exc}") from exc


def new_key(now: datetime) -> SigningKey:
    """A fresh random key; its kid tells the day it was made and is unique."""
    return SigningKey(f"{now:%Y%m%d}-{secrets.token_hex(6)}", Ed25519PrivateKey.generate(), now)


@dataclass(frozen=True)
class KeyRing:
    """An issuer's private keys, newest (the one that signs) first."""

    issuer: str
    keys: tuple[SigningKey, ...]

    @property
    def current(self) -> SigningKey:
        return self.keys[0]

    def jwks(self) -> dict[str, Any]:
        """The public JWKS; the non-standard ``issuer`` member binds its keys to one ``iss``."""
        return {"issuer": self.issuer, "keys": [key.public_jwk for key in self.keys]}

    def rotated(self, now: datetime, keep: timedelta = KEEP_RETIRED) -> KeyRing:
        """A new key signs from ``now``; the previous one is retired and kept published for
        ``keep``; keys retired longer ago than that are dropped."""
        kept = (
            replace(key, retired_at=key.retired_at or now)
            for key in self.keys
            if key.retired_at is None or key.retired_at + keep > now
        )
        return KeyRing(self.issuer, (new_key(now), *kept))

    def to_json(self) -> str:
        return json.dumps(
            {"issuer": self.issuer, "keys": [k.stored() for k in self.keys]}, indent=2
        )

    @classmethod
    def from_json(cls, text: str) -> KeyRing:
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise KeyFileError(f"a key ring must be JSON: {exc}") from exc
        if not isinstance(document, dict) or not isinstance(document.get("issuer"), str):
            raise KeyFileError("a key ring is an object with an issuer and keys")
        entries = document.get("keys")
        if not isinstance(entries, list) or not entries:
            raise KeyFileError("a key ring needs at least one key")
        return cls(document["issuer"], tuple(SigningKey.from_stored(e) for e in entries))

    @property
    def is_development(self) -> bool:
        return any(key.kid.startswith(_DEV_KID) for key in self.keys)


def generate_ring(issuer: str, now: datetime | None = None) -> KeyRing:
    return KeyRing(issuer, (new_key(now or datetime.now(UTC)),))


_DEV_KID = "dev-"
_DEV_CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def development_ring(issuer: str) -> KeyRing:
    """A fixed key anyone can derive (its seed is in this file): for tests and development
    only; production refuses it (``shared.settings``, ``shared.jwks``)."""
    seed = hashlib.sha256(f"huiyuan-development-signing-key/{issuer}".encode()).digest()
    private = Ed25519PrivateKey.from_private_bytes(seed)
    return KeyRing(issuer, (SigningKey(f"{_DEV_KID}{issuer}", private, _DEV_CREATED),))


DEVELOPMENT_ISSUERS = (IDENTITY_ISSUER, ORDERS_ISSUER, MESSAGING_ISSUER, LOYALTY_ISSUER)


def development_public_keys() -> frozenset[bytes]:
    """The raw public keys of the development rings, which production refuses."""
    return frozenset(
        public_bytes(development_ring(issuer).current.private.public_key())
        for issuer in DEVELOPMENT_ISSUERS
    )


def write_secret_file(path: Path, text: str) -> None:
    """Writes ``text`` to ``path`` atomically, readable by its owner only (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, path)


def save_ring(private_path: Path, public_path: Path, ring: KeyRing) -> None:
    """The ring to ``private_path`` (0600), then its public JWKS to ``public_path`` (0644):
    a verifier that misses a kid rereads the JWKS and finds the new key."""
    write_secret_file(private_path, ring.to_json())
    write_secret_file(public_path, json.dumps(ring.jwks(), indent=2))
    public_path.chmod(0o644)


def ring_in(private_path: Path, public_path: Path, issuer: str) -> KeyRing:
    """The ring stored at ``private_path``, made (and its JWKS published) the first time."""
    if private_path.exists():
        ring = KeyRing.from_json(private_path.read_text())
        if not public_path.exists():
            save_ring(private_path, public_path, ring)
        return ring
    ring = generate_ring(issuer)
    save_ring(private_path, public_path, ring)
    return ring
