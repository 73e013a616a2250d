"""Rules of staff accounts: what a login and a password look like, password hashing
(Argon2id, RFC 9106) and when failed sign-ins lock an account.

Hashing is deliberately slow (tens of milliseconds and 64 MiB per hash with argon2-cffi's
defaults, RFC 9106's second recommended profile): callers run it off the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MAX_LOGIN_LENGTH = 128
LOGIN_PATTERN = rf"^[A-Za-z0-9._@+-]{{1,{MAX_LOGIN_LENGTH}}}$"
"""A login is a token's subject and the name the desk assigns tickets to: no spaces."""
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256


@dataclass(frozen=True)
class Checked:
    matches: bool
    rehashed: str | None = None
    """A new hash when the stored one was made with other costs than today's."""


@dataclass(frozen=True)
class PasswordHashing:
    """Argon2id at these costs: memory in KiB, passes over it, lanes (RFC 9106 section 3.1).
    Get one with :func:`password_hashing`, which hashes the unknown logins' stand-in once
    per set of costs."""

    memory_kib: int
    passes: int
    lanes: int

    def weaker_than(self, other: PasswordHashing) -> bool:
        """Whether any of these costs is below ``other``'s."""
        return (
            self.memory_kib < other.memory_kib
            or self.passes < other.passes
            or self.lanes < other.lanes
        )

    @cached_property
    def _hasher(self) -> PasswordHasher:
        return PasswordHasher(
            time_cost=self.passes, memory_cost=self.memory_kib, parallelism=self.lanes
        )

    @cached_property
    def _absent(self) -> str:
        return self.hash("a password no account has, hashed once for unknown logins")

    def hash(self, password: str) -> str:
        """The PHC string of ``password`` (``$argon2id$v=19$m=65536,t=3,p=4$...``)."""
        return self._hasher.hash(password)

    def check(self, stored: str | None, password: str) -> Checked:
        """Whether ``password`` matches the ``stored`` hash, and a new hash at these costs
        when it matches one made at others. An unknown login (``stored`` None) costs the
        same as a wrong password, so timing tells no one which logins exist."""
        try:
            self._hasher.verify(stored or self._absent, password)
        except (VerificationError, InvalidHashError):
            return Checked(False)
        if stored is None:
            return Checked(False)
        rehash = self._hasher.check_needs_rehash(stored)
        return Checked(True, self.hash(password) if rehash else None)


RFC_9106_LOW_MEMORY = PasswordHashing(memory_kib=65536, passes=3, lanes=4)
"""RFC 9106's second recommended profile (argon2-cffi's defaults): staff passwords' costs
outside tests."""


@cache
def password_hashing(memory_kib: int, passes: int, lanes: int) -> PasswordHashing:
    """The one :class:`PasswordHashing` at these costs in this process."""
    return PasswordHashing(memory_kib, passes, lanes)


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
