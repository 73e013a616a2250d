"""Rate limits counted in this process's memory, with the ``limits`` library.

A limit such as ``"20/minute"`` or ``"30 per 10 minutes"`` (``limits``' notation) over a
moving window, counted per identifier (a client address, a store id). Counts live in this
process only: a service run as N processes lets an identifier through up to N times the
limit. That is deliberate: the limits guard against guessing and enumeration, where a
bound that grows with the number of processes is still a bound, and a shared store
(Redis) would put a network round trip on the paths they guard.
"""

from __future__ import annotations

import math
import time
from typing import Annotated

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pydantic import AfterValidator


def checked_limit(text: str) -> str:
    """``text`` if it is a limit in ``limits``' notation; raises ``ValueError`` (a settings
    validator)."""
    try:
        parse(text)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a rate limit such as '20/minute': {exc}") from exc
    return text


RateLimitText = Annotated[str, AfterValidator(checked_limit)]
"""A setting holding a limit in ``limits``' notation, checked when settings load."""


class RateLimit:
    """One limit counted per identifier over a moving window, in memory."""

    def __init__(self, limit: str) -> None:
        self.item: RateLimitItem = parse(limit)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def allows(self, identifier: str) -> bool:
        """Whether one more hit of ``identifier`` would be within the limit (counts nothing)."""
        return self._limiter.test(self.item, identifier)

    def hit(self, identifier: str, cost: int = 1) -> bool:
        """Counts ``cost`` hits of ``identifier``; ``False`` (and counts none) if they would
        pass the limit."""
        return self._limiter.hit(self.item, identifier, cost=cost)

    def retry_after(self, identifier: str) -> int:
        """Whole seconds until ``identifier`` may be hit again (at least 1)."""
        reset = self._limiter.get_window_stats(self.item, identifier).reset_time
        return max(1, math.ceil(reset - time.time()))
