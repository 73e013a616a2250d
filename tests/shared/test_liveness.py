"""A service whose relay, consumer or worker ended is not live: ``/healthz`` says which, and
the end is logged as it happens, so the process is restarted instead of looking alive."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any

import pytest

from shared.service_app import Runtime, build_app
from tests.stack import Stack, eventually, running


async def _fails_at_once(runtime: Runtime) -> None:
    await asyncio.sleep(0.05)
    raise ConnectionError("the broker went away")


async def _cancels_itself(runtime: Runtime) -> None:
    """As a loop that took a child's failure for its own shutdown did."""
    await asyncio.sleep(0.05)
    raise asyncio.CancelledError


async def test_healthz_fails_naming_the_workers_that_ended(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    spec = stack.spec("analytics")
    spec = dataclasses.replace(spec, workers=[*spec.workers, _fails_at_once, _cancels_itself])
    names = [
        "analytics-tests.shared.test_liveness._fails_at_once-worker",
        "analytics-tests.shared.test_liveness._cancels_itself-worker",
    ]
    with caplog.at_level(logging.CRITICAL, logger="shared.service_app"):
        async with running(build_app(spec)) as client:

            async def not_live() -> dict[str, Any] | None:
                answer = await client.get("/healthz")
                if answer.status_code != 503:
                    return None
                assert answer.headers["content-type"] == "application/problem+json"
                body: dict[str, Any] = answer.json()
                return body if len(body["ended"]) == 2 else None

            body = await eventually(not_live, timeout=10)
            assert (await client.get("/readyz")).status_code == 200  # it still answers
    assert sorted(body["ended"]) == sorted(names)
    assert body["detail"] == f"Not live: {', '.join(body['ended'])} ended"
    logged = {record.getMessage(): record for record in caplog.records}
    failed = logged[
        f"{names[0]} failed: ConnectionError('the broker went away') while the service runs; "
        "/healthz fails until it is restarted"
    ]
    assert failed.exc_info is not None
    assert (
        f"{names[1]} was cancelled while the service runs; /healthz fails until it is restarted"
        in logged
    )
    # stopping the service cancels its tasks, which is no failure
    assert len(caplog.records) == 2, [r.getMessage() for r in caplog.records]


async def test_healthz_is_ok_while_everything_runs(stack: Stack) -> None:
    async with running(stack.app("analytics")) as client:
        await asyncio.sleep(0.2)
        answer = await client.get("/healthz")
    assert (answer.status_code, answer.json()) == (200, {"status": "ok", "service": "analytics"})
