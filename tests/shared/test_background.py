"""Background loops survive their errors but always stop when cancelled.

A cancellation that lands mid-query can surface as the driver's clean-up error instead of
``CancelledError``; a loop that took it for an ordinary failure ran on, and a service's
shutdown waited for it forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any, cast

import pytest

from shared.background import cancel_and_wait, repeat_until_cancelled, run_as_group
from shared.outbox import OutboxRelay


class _RanOnAfterCancellation(BaseException):
    """Escapes even a loop that survives every error, so a failing test ends."""


async def _query_whose_cleanup_fails_on_cancel(calls: list[str]) -> None:
    if "query" in calls:
        raise _RanOnAfterCancellation
    calls.append("query")
    try:
        await asyncio.sleep(30)
    except asyncio.CancelledError:
        raise RuntimeError("cannot perform operation: another operation is in progress") from None


async def test_a_repeated_step_stops_on_a_disguised_cancellation() -> None:
    calls: list[str] = []
    task = asyncio.create_task(
        repeat_until_cancelled(lambda: _query_whose_cleanup_fails_on_cancel(calls), "a step")
    )
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.wait({task}, timeout=5)
    assert task.cancelled(), task
    assert calls == ["query"]


async def test_a_repeated_step_outlives_ordinary_errors(caplog: pytest.LogCaptureFixture) -> None:
    attempts = 0
    recovered = asyncio.Event()

    async def flaky() -> None:
        nonlocal attempts
        attempts += 1
        if attempts <= 3:
            raise RuntimeError("the database went away")
        recovered.set()
        await asyncio.sleep(30)

    with caplog.at_level(logging.ERROR, logger="shared.background"):
        task = asyncio.create_task(repeat_until_cancelled(flaky, "a step"))
        await asyncio.wait_for(recovered.wait(), 5)
        await cancel_and_wait([task])
    assert task.cancelled()
    assert attempts == 4
    assert [record.getMessage() for record in caplog.records] == [
        "a step failed; retrying in 0.1s",
        "a step failed; retrying in 0.2s",
        "a step failed; retrying in 0.4s",
    ]


class _RelayCancelledMidPublish(OutboxRelay):
    def __init__(self, calls: list[str]) -> None:
        none = cast(Any, None)
        super().__init__(
            outbox=none,
            sessions=none,
            publisher=none,
            wakeups=none,
            batch_size=100,
            retention=timedelta(hours=1),
            recreate_topics=none,
        )
        self.calls = calls

    async def check_broker(self) -> bool:
        self.calls.append("check")
        return False

    async def publish_batch(self) -> int:
        await _query_whose_cleanup_fails_on_cancel(self.calls)
        return 0


async def test_the_outbox_relay_stops_when_cancelled_mid_publish() -> None:
    calls: list[str] = []
    task = asyncio.create_task(_RelayCancelledMidPublish(calls).run())
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.wait({task}, timeout=5)
    assert task.cancelled(), task
    assert calls == ["check", "query"]


async def test_cancel_and_wait_names_a_task_that_will_not_stop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    release = asyncio.Event()

    async def stubborn() -> None:
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                continue  # the bug this guards against: a swallowed cancellation

    polite = asyncio.create_task(asyncio.sleep(30), name="polite")
    task = asyncio.create_task(stubborn(), name="stubborn")
    await asyncio.sleep(0)
    try:
        with caplog.at_level(logging.ERROR, logger="shared.background"):
            await asyncio.wait_for(cancel_and_wait([polite, task], grace_seconds=0.2), 5)
        assert polite.cancelled()
        assert not task.done()
        [message] = [record.getMessage() for record in caplog.records]
        assert message.startswith("stubborn did not stop within 0.2s of being cancelled")
        assert "it waits in stubborn (" in message
        assert "test_background.py" in message
    finally:
        release.set()
        await task


async def test_a_step_that_swallows_its_cancellation_still_ends_the_loop() -> None:
    """Python 3.11's ``wait_for`` can turn a cancellation into ``TimeoutError``, which a
    step may well suppress: the loop must stop anyway, or a service's relay outlives it."""
    started = asyncio.Event()

    async def swallowing() -> None:
        if started.is_set():
            raise _RanOnAfterCancellation
        started.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(30)

    task = asyncio.create_task(repeat_until_cancelled(swallowing, "a swallowing step"))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)


async def test_a_loop_outlives_a_group_whose_task_fails(caplog: pytest.LogCaptureFixture) -> None:
    """On Python 3.11 ``asyncio.TaskGroup`` leaves the caller marked as cancelled after a
    child's failure, and the loop took that failure for a shutdown: messaging's
    dispatcher stopped for good after a database restart. :func:`run_as_group` does not."""
    rounds = 0
    second_round = asyncio.Event()

    async def fails_first() -> None:
        await asyncio.sleep(0.01)
        if rounds == 1:
            raise ConnectionError("connection was closed in the middle of operation")

    async def a_round() -> None:
        nonlocal rounds
        rounds += 1
        if rounds == 2:
            second_round.set()
        await run_as_group([fails_first(), asyncio.sleep(0.05)])

    with caplog.at_level(logging.ERROR, logger="shared.background"):
        task = asyncio.create_task(repeat_until_cancelled(a_round, "a round"))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(second_round.wait(), 5)
        await cancel_and_wait([task])
    assert second_round.is_set(), f"the loop ended after round {rounds}: {task}"
    assert [r.getMessage() for r in caplog.records][:1] == ["a round failed; retrying in 0.1s"]


async def test_a_failing_task_cancels_the_rest_of_its_group_and_its_error_is_raised() -> None:
    cancelled: list[str] = []

    async def slow(name: str) -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.append(name)
            raise

    async def fails() -> None:
        await asyncio.sleep(0.01)
        raise LookupError("gone")

    caller = asyncio.current_task()
    assert caller is not None
    with pytest.raises(LookupError, match="gone"):
        await asyncio.wait_for(run_as_group([slow("a"), fails(), slow("b")]), 5)
    assert sorted(cancelled) == ["a", "b"]
    assert caller.cancelling() == 0


async def test_two_failures_of_one_group_are_raised_together() -> None:
    async def fails(error: Exception) -> None:
        raise error

    with pytest.raises(ExceptionGroup) as raised:
        await run_as_group([fails(KeyError("a")), fails(ValueError("b"))])
    assert sorted(type(e).__name__ for e in raised.value.exceptions) == ["KeyError", "ValueError"]


@pytest.mark.parametrize("cancels", [1, 2])
async def test_cancelling_the_caller_of_a_group_cancels_its_tasks_and_waits_for_them(
    cancels: int,
) -> None:
    """Also when the caller is cancelled again while its tasks clean up (a shutdown
    during a round that its time bound is cutting): none outlives the group."""
    ended: list[str] = []
    started, cleaning = asyncio.Event(), asyncio.Event()

    async def child() -> None:
        started.set()
        try:
            await asyncio.sleep(30)
        finally:
            cleaning.set()
            await asyncio.sleep(0.05)  # a clean-up that takes a moment
            ended.append("child")

    caller = asyncio.create_task(run_as_group([child()]))
    await started.wait()
    caller.cancel()
    if cancels == 2:
        await cleaning.wait()
        caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(caller, 5)
    assert ended == ["child"]
