"""Rules of staff accounts: what a login and a password look like, password hashing
(Argon2id, RFC 9106) and when failed sign-ins lock an account.

Hashing is deliberately slow (tens of milliseconds and 64 MiB per hash with argon2-cffi's
defaults, RFC 9106's second recommended profile): callers run it off the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MAX_LOGIN_LENGTH = 128
LOGIN_PATTERN = rf"^[A-Za-z0-9._@+-]{{1,{MAX_LOGIN_LENGTH}}}$"
"""A login is a token's subject and the name the desk assigns tickets to: no spaces."""
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256

_hasher = PasswordHasher()  # Argon2id, argon2-cffi's RFC 9106 low-memory profile
_ABSENT = _hasher.hash("a password no account has, hashed once for unknown logins")


def hash_password(password: str) -> str:
    """The PHC string of ``password`` (``$argon2id$v=19$m=65536,t=3,p=4$...``)."""
    return _hasher.hash(password)


@dataclass(frozen=True)
class Checked:
    matches: bool
    rehashed: str | None = None
    """A new hash when the stored one was made with weaker parameters than today's."""


def check_password(stored: str | None, password: str) -> Checked:
    """Whether ``password`` matches the ``stored`` hash. An unknown login (``stored`` None)
    costs the same as a wrong password, so timing tells no one which logins exist."""
    try:
        _hasher.verify(stored or _ABSENT, password)
    except (VerificationError, InvalidHashError):
        return Checked(False)
    if stored is None:
        return Checked(False)
    return Checked(True, hash_password(password) if _hasher.check_needs_rehash(stored) else None)


@dataclass(frozen=True)
class Lockout:
    """``failures`` wrong passwords in a row lock an account for ``duration``."""

    failures: int
    duration: timedelta

    def after_failure(self, failed_before: int, now: datetime) -> tuple[int, datetime | None]:
        """The failure count and lock time after one more wrong password: the count
        starts again once it locks."""
        if failed_before + 1 >= self.failures:
            return 0, now + self.duration
        return failed_before + 1, None


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and locked_until > now
