"""Which store a request's ``X-API-Key`` belongs to: every store request asks, so a key
checked once is remembered, and wrong keys are counted.

The path of a known key costs one SHA-256, one dictionary lookup and one clock read
(about a microsecond; docs/security.md). A remembered key is checked again after
``store_key_cache_seconds``: that bounds how long a key revoked through another process
keeps working here (one revoked through this process stops at once), and each check
records the key's ``last_used_at``, so a busy key writes it at most once per that time
per process, never once per request.

Wrong keys are counted per client address and, when the key names a key id
(``hy_<id>_<secret>``), per store of that id, with :class:`shared.ratelimits.RateLimit`:
past ``store_key_failures_per_address``, an address's unknown keys are not looked up at
all (429, ``too-many-key-failures``); past ``store_key_failures_per_store``, wrong keys
claiming the store are answered 429, but the store's right keys keep working (a secret of
256 bits cannot be guessed, and locking a store out would hand anyone who saw a key id a
way to stop its tills). Each limit logs one warning per minute per address or store
(``store key attempts limited``) and counts ``huiyuan_rate_limited_total``; every refused
key counts ``huiyuan_store_key_failures_total``. No key material is logged, only key ids.
"""

from __future__ import annotations

import hmac
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.orders.config import Settings
from services.orders.stores import domain, repository
from services.orders.stores.domain import KeyTimes
from services.orders.stores.errors import TooManyKeyFailures
from services.orders.stores.repository import KeyRow
from shared.auth import StoreRef, hash_api_key
from shared.db import AsyncSession
from shared.observability import RATE_LIMITED, STORE_KEY_FAILURES
from shared.ratelimits import RateLimit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Checked:
    store: StoreRef
    key_id: str
    recheck_at: float
    """Epoch seconds: the key is looked up again from then on."""
    expires_at: float | None
    """Epoch seconds: the key's own expiry, as last read."""


class KnownStores:
    """The orders service's :class:`~shared.auth.StoreDirectory`: stores by API key."""

    def __init__(
        self,
        *,
        cache_seconds: float,
        failures_per_address: str,
        failures_per_store: str,
        limit: int = 10_000,
    ) -> None:
        self._cache_seconds = cache_seconds
        self._limit = limit
        self._by_key_hash: dict[str, _Checked] = {}
        self._revoked: dict[str, float] = {}
        """Key ids revoked through this process, until every cache has checked again."""
        self._per_address = RateLimit(failures_per_address)
        self._per_store = RateLimit(failures_per_store)
        self._warned = RateLimit("1/minute")

    @classmethod
    def of(cls, settings: Settings) -> KnownStores:
        return cls(
            cache_seconds=settings.store_key_cache_seconds,
            failures_per_address=settings.store_key_failures_per_address,
            failures_per_store=settings.store_key_failures_per_store,
        )

    async def for_key(self, session: AsyncSession, api_key: str, client: str) -> StoreRef | None:
        """The store whose working key ``api_key`` is, else ``None`` (a 401 for the caller).

        ``client`` is the caller's address. Raises :class:`TooManyKeyFailures` (429) past
        a limit on wrong keys.
        """
        key_hash = hash_api_key(api_key)
        known = self._by_key_hash.get(key_hash)
        if known is not None:
            now = time.time()
            if now < known.recheck_at and (known.expires_at is None or now < known.expires_at):
                return known.store
        return await self._check(session, api_key, key_hash, client)

    def forget(self, key_hash: str, key_id: str) -> None:
        """The key was revoked (through this process): it stops working here at once."""
        self._by_key_hash.pop(key_hash, None)
        now = time.time()
        self._revoked = {k: t for k, t in self._revoked.items() if t > now}
        self._revoked[key_id] = now + self._cache_seconds

    def forget_store(self, store_id: uuid.UUID) -> None:
        """The store's keys changed (a rotation shortened their expiry): check them again."""
        for key_hash, known in list(self._by_key_hash.items()):
            if known.store.id == store_id:
                del self._by_key_hash[key_hash]

    async def _check(
        self, session: AsyncSession, api_key: str, key_hash: str, client: str
    ) -> StoreRef | None:
        if not self._per_address.allows(client):
            raise self._limited("address", client, self._per_address)
        key_id = domain.key_id_in(api_key)
        row = await repository.key_row(session, key_id=key_id, key_hash=key_hash)
        now = datetime.now(UTC)
        reason = _refusal(row, key_hash, now)
        if reason is None and row is not None and row.id in self._revoked:
            reason = "revoked"  # through this process, maybe not committed when read
        if row is None or reason is not None:
            self._by_key_hash.pop(key_hash, None)
            self._failed(reason or "unknown", client, row, key_id)
            return None
        store = StoreRef(row.store_id, row.store_name)
        if len(self._by_key_hash) < self._limit or key_hash in self._by_key_hash:
            self._by_key_hash[key_hash] = _Checked(
                store,
                row.id,
                time.time() + self._cache_seconds,
                None if row.expires_at is None else row.expires_at.timestamp(),
            )
        seen = row.last_used_at
        if seen is None or now - seen >= timedelta(seconds=self._cache_seconds):
            await repository.touch(session, row.id, now)
        return store

    def _failed(self, reason: str, client: str, row: KeyRow | None, key_id: str | None) -> None:
        STORE_KEY_FAILURES.labels(reason).inc()
        logger.info(
            "store key refused",
            extra={"reason": reason, "client": client, "key_id": key_id or "-"},
        )
        if not self._per_address.hit(client):
            raise self._limited("address", client, self._per_address)
        if row is not None:  # the key id (or hash) names one store
            store = str(row.store_id)
            if not self._per_store.hit(store):
                raise self._limited("store", store, self._per_store)

    def _limited(self, per: str, identifier: str, limit: RateLimit) -> TooManyKeyFailures:
        RATE_LIMITED.labels(f"store_key_{per}").inc()
        retry = limit.retry_after(identifier)
        if self._warned.hit(f"{per}:{identifier}"):
            logger.warning(
                "store key attempts limited",
                extra={"per": per, "identifier": identifier, "limit": str(limit.item)},
            )
        return TooManyKeyFailures(
            f"Too many wrong store keys from this {per}; retry in {retry} seconds.",
            where="header",
            field="X-API-Key",
            headers={"Retry-After": str(retry)},
        )


def _refusal(row: KeyRow | None, key_hash: str, now: datetime) -> str | None:
    """Why the key is refused (``unknown``, ``revoked``, ``expired``), or ``None``."""
    if row is None or not hmac.compare_digest(row.key_hash, key_hash):
        return "unknown"
    state = KeyTimes(row.expires_at, row.revoked_at).state(now)
    return None if state == "active" else state
