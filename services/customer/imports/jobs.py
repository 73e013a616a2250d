"""The import worker: applies queued imports a chunk per transaction.

The due work is the import's own row (``status`` ``queued``/``running``) and its staged
rows. A chunk claims the import with ``FOR UPDATE SKIP LOCKED`` and commits its members,
their events, its row errors, the unstaging of its rows and the counts together. So a
crash or a restart leaves the unapplied rows staged and the import due: the next run
resumes there, applying no row twice, and two replicas never apply the same chunk.
"""

from __future__ import annotations

import asyncio
import logging

from services.customer.config import Settings
from services.customer.imports import repository, service
from shared.background import repeat_until_cancelled
from shared.crypto import PiiCipher
from shared.db import Sessions, transaction
from shared.service_app import Runtime

log = logging.getLogger(__name__)


async def apply_due(sessions: Sessions, settings: Settings, cipher: PiiCipher) -> int:
    """Applies chunks until no import is due; returns how many chunks it applied."""
    chunks = 0
    while True:
        async with transaction(sessions) as session:
            job = await repository.claim_due(session)
            if job is None:
                return chunks
            await service.apply_chunk(session, settings, cipher, job)
            if job.status == "done":
                log.info("import %s done: %d imported", job.id, job.imported)
        chunks += 1


async def imports(runtime: Runtime) -> None:
    """Every ``import_poll_seconds``, applies the due imports; runs until cancelled."""
    settings = runtime.settings
    if not isinstance(settings, Settings):
        raise TypeError("the import worker needs customer Settings")
    cipher = PiiCipher(settings.pii_key.get_secret_value())

    async def step() -> None:
        await apply_due(runtime.sessions, settings, cipher)
        await asyncio.sleep(settings.import_poll_seconds)

    await repeat_until_cancelled(step, "member import")
