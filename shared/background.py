"""Background tasks: loops that outlive their errors but never their cancellation."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from typing import Any

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 10.0


def raise_if_cancelling() -> None:
    """Re-raise a cancellation that reached the current task disguised as another error.

    Cancelling a task in the middle of a database or broker call can make the driver's
    clean-up fail on the half-used connection, and that failure, not ``CancelledError``,
    is what propagates. A loop that survives errors must call this first in its
    ``except Exception``: otherwise it takes the shutdown for an ordinary failure, runs
    on, and whoever awaits the cancelled task waits forever.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def repeat_until_cancelled(step: Callable[[], Awaitable[None]], what: str) -> None:
    """Runs ``step`` again and again; a failure is logged and retried after a backoff that
    doubles from 0.1 s up to 5 s and resets after the next success."""
    backoff = 0.1
    while True:
        try:
            await step()
            # a step can swallow its own cancellation too: Python 3.11's wait_for raises
            # TimeoutError instead of CancelledError when both happen at once
            raise_if_cancelling()
            backoff = 0.1
        except Exception:
            raise_if_cancelling()
            log.exception("%s failed; retrying in %.1fs", what, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)


async def run_as_group(coroutines: Iterable[Coroutine[Any, Any, None]]) -> None:
    """Runs ``coroutines`` as tasks until they have all ended; the first to fail cancels the
    others and, once they have ended, its error is raised (an ``ExceptionGroup`` if several
    failed). A cancellation of the caller cancels them all and waits for them to end.

    What ``asyncio.TaskGroup`` does, without its Python 3.11 flaw: a child failing while
    the caller waits at the group's end cancels the caller and never takes that request
    back (``uncancel``; fixed in 3.12, CPython gh-116720). The caller's next
    :func:`raise_if_cancelling` then took the child's error for a shutdown, and its loop
    ended without a word: messaging's dispatcher stopped for good after a database
    restart (docs/reliability.md, finding 7). Nothing here cancels the caller.
    """
    tasks = [asyncio.create_task(coroutine) for coroutine in coroutines]
    if not tasks:
        return
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        await _cancel_all(tasks)
    failures = [
        error for task in tasks if not task.cancelled() and (error := task.exception()) is not None
    ]
    if len(failures) == 1:
        raise failures[0]
    if failures:
        raise BaseExceptionGroup("tasks of one group failed", failures)


async def _cancel_all(tasks: Sequence[asyncio.Task[None]]) -> None:
    """Cancels ``tasks`` and waits until every one has ended, even if the caller is
    cancelled again meanwhile (that cancellation is raised once they have): none outlives
    its group."""
    for task in tasks:
        task.cancel()
    cancelled = None
    while not all(task.done() for task in tasks):
        try:
            await asyncio.wait(tasks)
        except asyncio.CancelledError as again:
            cancelled = again
    if cancelled is not None:
        raise cancelled


async def cancel_and_wait(
    tasks: Sequence[asyncio.Task[None]], grace_seconds: float = SHUTDOWN_GRACE_SECONDS
) -> None:
    """Cancels ``tasks`` and waits for them, at most ``grace_seconds``, so a task that
    does not stop is named in the log instead of hanging the shutdown."""
    if not tasks:
        return
    for task in tasks:
        task.cancel()
    done, stuck = await asyncio.wait(tasks, timeout=grace_seconds)
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            log.error("%s ended with an error", task.get_name(), exc_info=task.exception())
    for task in stuck:
        log.error(
            "%s did not stop within %gs of being cancelled; it waits in %s",
            task.get_name(),
            grace_seconds,
            " -> ".join(_awaiting(task)),
        )


def _awaiting(task: asyncio.Task[None]) -> list[str]:
    """Where a task is suspended: each coroutine it awaits, outermost first."""
    where = []
    awaited: Any = task.get_coro()
    while awaited is not None:
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
        if frame is not None:
            where.append(f"{frame.f_code.co_name} ({frame.f_code.co_filename}:{frame.f_lineno})")
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    return where
