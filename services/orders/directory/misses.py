"""Member references a store names that nobody answers to, counted per store.

A store could learn who is a member by posting sales (or asking benefits) for card
numbers in a row and reading which ones answer. Each reference nobody answers to is a
miss; past ``member_misses_per_store`` (``limits`` notation, in this process's memory:
:mod:`shared.ratelimits` says why) the store's requests that name members are refused
with 429 ``too-many-member-misses`` until the window has room again, hits and misses
alike, so nothing more can be learnt. A batch is refused whole (nothing saved) when its
misses would pass the limit. Each refusal counts ``huiyuan_rate_limited_total{limit=
"member_misses"}`` and logs ``member lookups limited`` (once a minute per store).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Annotated

from fastapi import Depends, Request

from services.orders.config import Settings
from services.orders.directory.errors import TooManyMemberMisses
from shared.errors import ProblemError, UnknownMember
from shared.observability import RATE_LIMITED
from shared.openapi import answers
from shared.ratelimits import RateLimit
from shared.settings import BaseServiceSettings

logger = logging.getLogger(__name__)

RESOURCE = "member-misses"
"""The counter's name among the app's resources."""


class LookupMisses:
    """Misses per store over a moving window (one counter for the process).

    A store with no miss in the window is let through without asking the limiter (a
    dictionary lookup): that is every till that names its members right.
    """

    def __init__(self, limit: str) -> None:
        self._limit = RateLimit(limit)
        self._window = float(self._limit.item.get_expiry())
        self._missed_until: dict[uuid.UUID, float] = {}
        """When each store's latest miss leaves the window (epoch seconds)."""
        self._warned = RateLimit("1/minute")

    def check(self, store_id: uuid.UUID) -> None:
        """Raises :class:`TooManyMemberMisses` (429) if the store has no misses left."""
        until = self._missed_until.get(store_id)
        if until is None:
            return
        if until < time.time():
            del self._missed_until[store_id]
            return
        if not self._limit.allows(str(store_id)):
            raise self._refused(store_id)

    def record(self, store_id: uuid.UUID, misses: int) -> None:
        """Counts ``misses``; raises :class:`TooManyMemberMisses` (429, counting none) if
        they would pass the limit."""
        if not misses:
            return
        if not self._limit.hit(str(store_id), cost=misses):
            raise self._refused(store_id)
        self._missed_until[store_id] = time.time() + self._window

    def watching(self, store_id: uuid.UUID, *also: type[ProblemError]) -> _Watch:
        """Around one lookup (``with``): refused if no misses are left, and an
        ``UnknownMember`` (or one of ``also``) raised inside is counted (and becomes the
        429 if it was one too many)."""
        return _Watch(self, store_id, (UnknownMember, *also))

    def _refused(self, store_id: uuid.UUID) -> TooManyMemberMisses:
        RATE_LIMITED.labels("member_misses").inc()
        retry = self._limit.retry_after(str(store_id))
        if self._warned.hit(str(store_id)):
            logger.warning(
                "member lookups limited",
                extra={"store_id": str(store_id), "limit": str(self._limit.item)},
            )
        return TooManyMemberMisses(
            f"This store named too many members nobody answers to ({self._limit.item}); "
            f"member lookups are refused for {retry} seconds. Check the card numbers the "
            "till sends.",
            headers={"Retry-After": str(retry)},
        )


class _Watch:
    """:meth:`LookupMisses.watching` (a class, not a generator: it is on every sale)."""

    __slots__ = ("_counted", "_misses", "_store_id")

    def __init__(
        self, misses: LookupMisses, store_id: uuid.UUID, counted: tuple[type[ProblemError], ...]
    ) -> None:
        self._misses = misses
        self._store_id = store_id
        self._counted = counted

    def __enter__(self) -> None:
        self._misses.check(self._store_id)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if isinstance(error, self._counted):
            self._misses.record(self._store_id, 1)


@asynccontextmanager
async def counting(settings: BaseServiceSettings) -> AsyncIterator[LookupMisses]:
    """The app's counter of misses, for its lifetime."""
    if not isinstance(settings, Settings):
        raise TypeError("orders' member misses need orders Settings")
    yield LookupMisses(settings.member_misses_per_store)


@answers(429)
async def lookup_misses(request: Request) -> LookupMisses:
    """A FastAPI dependency: the app's counter of misses (async so that FastAPI calls it
    in the event loop, not its thread pool)."""
    misses = request.app.state.runtime.resources.get(RESOURCE)
    if not isinstance(misses, LookupMisses):
        raise TypeError("orders' member misses are opened by the app's lifespan")
    return misses


StoreMisses = Annotated[LookupMisses, Depends(lookup_misses)]
