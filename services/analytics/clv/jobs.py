"""The fitting worker: fits queued CLV fits one at a time, each in a process of its own.

A fit's transaction holds its row (``FOR UPDATE SKIP LOCKED``) from the claim until its
results are written, so a crash or a deploy mid-fit leaves it queued and the next run
redoes it; replicas skip a fit another holds. The estimation (PyMC, seconds of CPU and a
first-use compilation) runs in a spawned process, so the service's event loop keeps
answering; the process is started per fit (fits are rare, staff-requested) and imports
PyMC there only.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime

from services.analytics.clv import domain, service
from services.analytics.config import Settings
from shared.background import repeat_until_cancelled
from shared.db import transaction
from shared.service_app import Runtime

log = logging.getLogger(__name__)


def _estimate(
    frequency: list[int], recency: list[float], age: list[float], monetary_fen: list[float]
) -> domain.Estimates:
    """Runs in the fitting process, the only place PyMC is imported."""
    from services.analytics.clv import estimation

    return estimation.fit(frequency, recency, age, monetary_fen)


async def estimate_in_process(
    frequency: list[int], recency: list[float], age: list[float], monetary_fen: list[float]
) -> domain.Estimates:
    """The :data:`~.service.Fitter` of the service: the estimation in a spawned process.
    An error of the estimation itself is :class:`~.domain.FitFailed`; a process that died
    raises :class:`BrokenProcessPool` (the fit stays queued)."""
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    try:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(pool, _estimate, frequency, recency, age, monetary_fen)
    except BrokenProcessPool:
        raise
    except (ValueError, ArithmeticError, RuntimeError, LookupError) as error:
        raise domain.FitFailed(f"the estimation failed: {error}") from error
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _now() -> datetime:
    return datetime.now(UTC)


async def fitter(runtime: Runtime) -> None:
    """Every ``clv_poll_seconds``, fits the queued CLV fits; runs until cancelled."""
    settings = runtime.settings
    if not isinstance(settings, Settings):
        raise TypeError("the CLV fitter needs analytics Settings")

    async def step() -> None:
        while True:
            async with transaction(runtime.sessions) as session:
                fitted = await service.fit_next(
                    session, estimate_in_process, settings.business_timezone, _now
                )
            if not fitted:
                break
            log.info("finished a CLV fit (done or failed: GET /clv/fits/{id} says which)")
        await asyncio.sleep(settings.clv_poll_seconds)

    await repeat_until_cancelled(step, "CLV fitting")
