"""How many sign-in codes a phone number and a client address may ask for: moving
windows of the ``limits`` library, counted in this process's memory.

Memory per process is enough for the embedded stack (one customer process) and bounds a
deployment of N replicas at N times the limits, which still stops a flood of SMS; a shared
storage (Redis) would make them exact across replicas and is a setting away in ``limits``
(not wired). A phone is counted by its lookup hash, never in clear. A refused request
counts against nothing; an admitted one counts against every limit at once, whether or
not a code is then sent (so the answer says nothing of who is a member).
"""

from __future__ import annotations

import time

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from services.customer.signin import domain
from services.customer.signin.errors import SigninCodesLimited

_NAMESPACE = "signin-code"


class CodeThrottle:
    """The limits of ``per_phone`` and ``per_address`` (``"1/minute;5/hour"``)."""

    def __init__(self, per_phone: str, per_address: str) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._limits: list[tuple[str, RateLimitItem]] = [
            *(("phone", item) for item in parse_many(per_phone)),
            *(("address", item) for item in parse_many(per_address)),
        ]

    async def admit(self, phone_hash: str, address: str) -> None:
        """Counts one code for the phone and the address, or raises
        :class:`SigninCodesLimited` (429, ``Retry-After``: the seconds until every limit
        hit lets one more through) and counts nothing."""
        keys = {"phone": phone_hash, "address": address}
        resets: list[float] = []
        for kind, item in self._limits:
            if not await self._limiter.test(item, _NAMESPACE, kind, keys[kind]):
                stats = await self._limiter.get_window_stats(item, _NAMESPACE, kind, keys[kind])
                resets.append(stats.reset_time)
        if resets:
            wait = domain.retry_after_seconds(max(resets), time.time())
            raise SigninCodesLimited(
                "Too many sign-in codes were asked for this phone number or from this "
                f"address: ask again in {wait} seconds",
                headers={"Retry-After": str(wait)},
                retry_after=wait,
            )
        for kind, item in self._limits:
            await self._limiter.hit(item, _NAMESPACE, kind, keys[kind])
