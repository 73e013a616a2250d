"""The dispatcher: delivers queued notifications, outside the consumer's transaction.

The worker claims due ``queued`` notifications with ``FOR UPDATE SKIP LOCKED`` in batches
of ``delivery_batch_size`` (replicas never send the same one at once), sends them
concurrently through each channel's provider (``delivery_concurrency`` SMS at a time over
kept-alive connections, emails over at most ``smtp_connections`` SMTP connections per
batch), and records every outcome with its outbox event in the same transaction that
holds the claim. A crash after sending but before the commit sends the batch again: the
email carries the notification id as Message-ID and the SMS gateway deduplicates on the
``Idempotency-Key``.

It wakes on ``pg_notify`` from the consumer (``DISPATCH_CHANNEL``) and polls every second
anyway, which also picks up retries whose backoff has elapsed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping

from cryptography.fernet import InvalidToken

from services.messaging.config import Settings
from services.messaging.delivery.domain import Message, Provider, Sender
from services.messaging.delivery.errors import DeliveryError
from services.messaging.delivery.kinds import providers
from services.messaging.notifications import service as notifications
from services.messaging.notifications.domain import DISPATCH_CHANNEL, Outcome, Outgoing, Undelivered
from shared.background import raise_if_cancelling, repeat_until_cancelled
from shared.crypto import PiiCipher
from shared.db import Sessions, asyncpg_dsn, transaction
from shared.events.messaging import Channel
from shared.notify import Wakeups
from shared.service_app import Runtime

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 1.0


class Dispatcher:
    def __init__(
        self,
        *,
        settings: Settings,
        sessions: Sessions,
        cipher: PiiCipher,
        providers: Mapping[Channel, Provider],
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._cipher = cipher
        self._providers = providers

    async def run(self, wakeups: Wakeups) -> None:
        async def dispatch_or_wait() -> None:
            if await self.dispatch_batch() < self._settings.delivery_batch_size:
                await wakeups.wait(IDLE_POLL_SECONDS)

        await repeat_until_cancelled(dispatch_or_wait, "dispatcher")

    async def dispatch_batch(self) -> int:
        """Claim, send and record one batch; returns how many notifications it handled."""
        async with transaction(self._sessions) as session:
            claimed = await notifications.claim_due(session, self._settings.delivery_batch_size)
            if not claimed:
                return 0
            async with contextlib.AsyncExitStack() as batch:
                senders = {
                    channel: await batch.enter_async_context(provider.batch())
                    for channel, provider in self._providers.items()
                }
                outcomes = await asyncio.gather(
                    *(self._deliver(n, senders[n.channel]) for n in claimed)
                )
            await notifications.record_outcomes(
                session, self._settings, zip(claimed, outcomes, strict=True)
            )
        return len(claimed)

    async def _deliver(self, notification: Outgoing, sender: Sender) -> Outcome:
        try:
            if notification.recipient_encrypted is None:
                raise DeliveryError("notification has no recipient", permanent=True)
            address = self._cipher.decrypt(notification.recipient_encrypted)
            return await sender.send(
                Message(
                    notification.id,
                    address,
                    notification.subject,
                    notification.body,
                    member_id=notification.member_id,
                    maybe_taken_by=notification.provider,
                )
            )
        except DeliveryError as exc:
            return Undelivered(str(exc), permanent=exc.permanent, maybe_taken_by=exc.maybe_taken_by)
        except InvalidToken:
            return Undelivered("recipient cannot be decrypted with the PII key", permanent=True)
        except Exception as exc:  # counted as an attempt so one bad row cannot stall the queue
            raise_if_cancelling()
            log.exception("unexpected error delivering notification %s", notification.id)
            return Undelivered(f"unexpected error: {exc!r}", permanent=False)


async def dispatcher(runtime: Runtime) -> None:
    """The messaging worker (see ``ServiceSpec.workers``): runs until cancelled."""
    settings = runtime.settings
    if not isinstance(settings, Settings):
        raise TypeError("the dispatcher needs messaging Settings")
    for name in ("httpx", "httpcore"):  # one INFO line per SMS request otherwise
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))
    channels = providers(settings)
    wakeups = Wakeups(asyncpg_dsn(settings.database_url), DISPATCH_CHANNEL)
    worker = Dispatcher(
        settings=settings,
        sessions=runtime.sessions,
        cipher=PiiCipher(settings.pii_key.get_secret_value()),
        providers=channels,
    )
    try:
        await worker.run(wakeups)
    finally:
        await wakeups.close()
        for provider in channels.values():
            await provider.aclose()
