"""Which partitions a consumer holds back after a failure, until when, and what then.

``shared.consumer`` asks :meth:`PartitionRetries.failed` after each failure of a
partition's records; the :class:`Verdict` says whether to hold the partition and retry it
with backoff, to defer what waits for another event, or to park what keeps failing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum

from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.inbox import AwaitingEvent


class Verdict(Enum):
    HOLD = "hold"  # retry the partition later
    DEFER = "defer"  # apply what applies, defer what waits, move on
    PARK = "park"  # apply what applies, park what fails, move on


class PartitionRetries:
    """Failed partitions are paused and retried with exponential backoff, each on its own."""

    def __init__(
        self,
        max_attempts: int,
        backoff_seconds: float,
        await_event_seconds: float,
        defer_after_seconds: float,
        max_backoff_seconds: float = 5.0,
    ) -> None:
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._max_backoff = max_backoff_seconds
        self._await_event = await_event_seconds
        self._defer_after = defer_after_seconds
        self._failures: dict[TopicPartition, _Failures] = {}
        self._resume_at: dict[TopicPartition, float] = {}
        self._deferring_until: dict[TopicPartition, float] = {}

    def failed(self, tp: TopicPartition, offset: int, exc: Exception) -> Verdict:
        """Count a failure at ``offset`` and say what to do with the partition.

        A failure of the event itself counts towards ``max_attempts``; waiting for another
        event defers once ``defer_after_seconds`` have passed since the first try (at once
        while the partition deferred lately), or parks after ``await_event_seconds``.
        """
        now = time.monotonic()
        previous = self._failures.get(tp)
        if previous is None or previous.offset != offset:
            previous = _Failures(offset, first_at=now)
        waiting = isinstance(exc, AwaitingEvent)
        counted = previous.counted + (0 if waiting else 1)
        failures = _Failures(offset, previous.first_at, previous.tries + 1, counted)
        waited = now - failures.first_at
        verdict = Verdict.HOLD
        if counted >= self._max_attempts or waited >= self._await_event:
            verdict = Verdict.PARK
        elif waiting and (waited >= self._defer_after or now < self._deferring_until.get(tp, 0.0)):
            verdict = Verdict.DEFER
            self._deferring_until[tp] = now + self._defer_after
        if verdict is Verdict.HOLD:
            self._failures[tp] = failures
        else:
            self.clear(tp)
        return verdict

    def hold(
        self, consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int, transient: bool
    ) -> None:
        failures = self._failures.get(tp)
        tries = 1 if transient or failures is None else failures.tries
        consumer.seek(tp, offset)
        consumer.pause(tp)
        delay = min(self._max_backoff, self._backoff * 2 ** (tries - 1))
        self._resume_at[tp] = time.monotonic() + delay

    def clear(self, tp: TopicPartition) -> None:
        self._failures.pop(tp, None)

    def resume_due(self, consumer: AIOKafkaConsumer) -> None:
        now = time.monotonic()
        for tp, at in list(self._resume_at.items()):
            if at <= now:
                del self._resume_at[tp]
                if tp in consumer.assignment():  # a rebalance may have moved it away
                    consumer.resume(tp)

    def poll_timeout_ms(self) -> int:
        if not self._resume_at:
            return 1000
        wait = min(self._resume_at.values()) - time.monotonic()
        return max(10, min(1000, int(wait * 1000)))


@dataclass(frozen=True)
class _Failures:
    offset: int
    first_at: float
    tries: int = 0
    counted: int = 0
