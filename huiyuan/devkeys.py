"""The secrets of a local stack, made on its first start in the data directory.

``huiyuan up`` hands the services what is found here: the customer service, orders,
messaging and loyalty their own signing key rings (``keys/<service>.json``, mode 0600),
every service the public JWKS (``keys/<service>.jwks.json``) and the PII key
(``secrets/pii_key``, 0600). They
stay the same across restarts; nothing in a fresh data directory is a value anyone else
knows. The ``huiyuan`` command signs its own tokens with the customer ring found here.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from huiyuan.config import StackSettings
from shared.jwks import TokenSigner
from shared.keys import (
    IDENTITY_ISSUER,
    LOYALTY_ISSUER,
    MESSAGING_ISSUER,
    ORDERS_ISSUER,
    KeyRing,
    ring_in,
    save_ring,
    write_secret_file,
)
from shared.settings import DEV_PII_KEY
from shared.tokens import Role, issue_token

ISSUERS: dict[str, str] = {
    "customer": IDENTITY_ISSUER,
    "orders": ORDERS_ISSUER,
    "messaging": MESSAGING_ISSUER,
    "loyalty": LOYALTY_ISSUER,
}
"""The services that sign tokens, and the ``iss`` each signs as."""


@dataclass(frozen=True)
class KeyFiles:
    private: Path
    public: Path


def key_files(settings: StackSettings, service: str) -> KeyFiles:
    keys = settings.data_dir.resolve() / "keys"
    return KeyFiles(keys / f"{service}.json", keys / f"{service}.jwks.json")


def signing_ring(settings: StackSettings, service: str) -> KeyRing:
    """``service``'s ring in the data directory, made (and published) the first time."""
    files = key_files(settings, service)
    return ring_in(files.private, files.public, ISSUERS[service])


def rotate(files: KeyFiles, service: str) -> KeyRing:
    """A new key signs ``service``'s tokens from now; the previous one stays published a
    day (``shared.keys.KEEP_RETIRED``), older ones are dropped. Running services pick the
    new key up by themselves: the signer rereads its changed file, verifiers reread the JWKS
    on an unknown kid. Without a ring yet, it makes the first one."""
    if not files.private.exists():
        return ring_in(files.private, files.public, ISSUERS[service])
    ring = ring_in(files.private, files.public, ISSUERS[service]).rotated(datetime.now(UTC))
    save_ring(files.private, files.public, ring)
    return ring


def pii_key(settings: StackSettings) -> str:
    """The stack's PII key, made the first time. A data directory whose database predates
    this file holds members encrypted under the old development key, so it keeps that one
    (``huiyuan up`` says so) rather than making what is stored unreadable."""
    path = settings.data_dir.resolve() / "secrets" / "pii_key"
    if not path.exists():
        older = (settings.pg_dir / "PG_VERSION").exists()
        write_secret_file(path, DEV_PII_KEY if older else secrets.token_hex(32))
    return path.read_text().strip()


def uses_development_pii_key(settings: StackSettings) -> bool:
    return pii_key(settings) == DEV_PII_KEY


def cli_signer(settings: StackSettings) -> TokenSigner:
    """The customer service's signer, for tokens the ``huiyuan`` command makes itself."""
    signing_ring(settings, "customer")
    return TokenSigner(str(key_files(settings, "customer").private), IDENTITY_ISSUER)


def cli_token(settings: StackSettings, role: Role = "admin", subject: str = "cli") -> str:
    """A staff token signed with the stack's customer key, for the ``huiyuan`` command."""
    return issue_token(cli_signer(settings), subject=subject, role=role)
