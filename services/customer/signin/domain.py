"""Pure rules of member sign-in: one-time codes, their hashes and whether a try may use
one, and refresh tokens.

A code is 6 random digits (``secrets``). It is kept as an HMAC-SHA256 under the service's
PII lookup key of the code and its row's id, not with a slow hash (Argon2): a million
possible codes make any unkeyed hash, slow or not, a moment's search for someone holding
a database dump, while the key (never in the database) makes the dump useless alone; the
attempt limit and the short expiry are what stop guessing online, and a keyed hash costs
microseconds on a public endpoint where Argon2 would cost each request tens of
milliseconds of CPU. A refresh token is 32 random bytes (``hyr_`` and URL-safe base64):
a plain SHA-256 of it is enough, as for store API keys.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Purpose = Literal["sign_in", "sign_up"]
RevokedReason = Literal["sign_out", "revoke_all", "reuse", "password", "disabled"]

CODE_DIGITS = 6
REFRESH_PREFIX = "hyr_"
ACCESS_TOKEN_TYPE = "Bearer"


def new_code() -> str:
    """Six random digits, leading zeros kept (``"042917"``)."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_material(code_id: uuid.UUID, code: str) -> str:
    """What is hashed of a code (with the key of the service's PII lookup hash): the code
    bound to its row, so equal codes of two rows hash apart."""
    return f"signin-code:{code_id}:{code}"


def new_refresh_token() -> str:
    return f"{REFRESH_PREFIX}{secrets.token_urlsafe(32)}"


def refresh_token_hash(token: str) -> str:
    """The SHA-256 (hex) a refresh token is stored and found by."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class CodeState:
    """A stored code as a try finds it."""

    attempts: int
    expires_at: datetime
    used: bool


CodeVerdict = Literal["usable", "spent", "locked"]


def code_verdict(state: CodeState, *, now: datetime, max_attempts: int) -> CodeVerdict:
    """Whether a try may compare against the code: ``spent`` once used or past its expiry,
    ``locked`` after ``max_attempts`` wrong tries, ``usable`` otherwise."""
    if state.used or now >= state.expires_at:
        return "spent"
    if state.attempts >= max_attempts:
        return "locked"
    return "usable"


def retry_after_seconds(resets_at: float, now: float) -> int:
    """Whole seconds until a limit's window lets one more through (at least 1)."""
    return max(1, math.ceil(resets_at - now))


def member_subject(member_id: uuid.UUID) -> str:
    """A member token's subject (``member:<uuid>``, as ``huiyuan token --member`` has it)."""
    return f"member:{member_id}"


def refresh_expiry(issued_at: datetime, days: int) -> datetime:
    return issued_at + timedelta(days=days)
