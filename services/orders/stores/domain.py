"""What a store and its API keys are allowed to be: the key's shape and when a key works.

A key is ``hy_<id>_<secret>``: ``id`` is 16 hex digits naming the key (and so its store)
in ``GET /stores/{id}/keys``, logs and rate limits; ``secret`` is 32 random bytes in
base64url. Keys issued before ids existed are ``hy_<secret>`` and keep working: every key
is found by the SHA-256 of all of it, the id only says where to count a failure.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

MAX_STORE_NAME = 100
"""Longest store name, in characters."""
KEY_ID_LENGTH = 16
"""Hex digits of a key id."""
MAX_OVERLAP = timedelta(days=30)
"""Longest time an old key keeps working after a rotation."""
_KEY = re.compile(rf"hy_([0-9a-f]{{{KEY_ID_LENGTH}}})_[A-Za-z0-9_-]{{43}}")

KeyState = Literal["active", "expired", "revoked"]


def new_key() -> tuple[str, str]:
    """A fresh key id and the key that carries it (``hy_<id>_<secret>``)."""
    key_id = secrets.token_hex(KEY_ID_LENGTH // 2)
    return key_id, f"hy_{key_id}_{secrets.token_urlsafe(32)}"


def key_id_in(api_key: str) -> str | None:
    """The key id an API key claims (``None`` for a key of the older shape, or garbage).

    A claim only: nothing is trusted until the whole key's hash is found.
    """
    found = _KEY.fullmatch(api_key)
    return None if found is None else found.group(1)


@dataclass(frozen=True)
class KeyTimes:
    """When a key was revoked and when it expires (UTC; ``None``: never)."""

    expires_at: datetime | None
    revoked_at: datetime | None

    def state(self, now: datetime) -> KeyState:
        if self.revoked_at is not None and self.revoked_at <= now:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"
