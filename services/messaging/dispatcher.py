"""Delivers queued notifications, outside the consumer's transaction.

The worker claims due ``queued`` rows with ``FOR UPDATE SKIP LOCKED`` in batches of
``delivery_batch_size`` (replicas never send the same row at once), sends them
concurrently (``delivery_concurrency`` SMS at a time over kept-alive connections, emails
over at most ``smtp_connections`` SMTP connections per batch), and records every outcome
with its outbox event in the same transaction that holds the claim. A crash after
sending but before the commit sends the batch again: the email carries the notification
id as Message-ID and the SMS gateway deduplicates on the ``Idempotency-Key``.

It wakes on ``pg_notify('messaging_dispatch')`` from the consumer and polls every
second anyway, which also picks up retries whose backoff has elapsed.
"""

from __future__ import annotations

import asyncio
import logging

from cryptography.fernet import InvalidToken

from services.messaging import repository, service
from services.messaging.config import Settings
from services.messaging.models import Notification
from services.messaging.providers import Delivery, DeliveryError
from services.messaging.providers.email import SmtpConnections, SmtpSender
from services.messaging.providers.sms import SmsGateway
from shared.background import raise_if_cancelling, repeat_until_cancelled
from shared.crypto import PiiCipher
from shared.db import Sessions, asyncpg_dsn, transaction
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
        email: SmtpSender,
        sms: SmsGateway,
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._cipher = cipher
        self._email = email
        self._sms = sms
        self._sms_slots = asyncio.Semaphore(settings.delivery_concurrency)

    async def run(self, wakeups: Wakeups) -> None:
        async def dispatch_or_wait() -> None:
            if await self.dispatch_batch() < self._settings.delivery_batch_size:
                await wakeups.wait(IDLE_POLL_SECONDS)

        await repeat_until_cancelled(dispatch_or_wait, "dispatcher")

    async def dispatch_batch(self) -> int:
        """Claim, send and record one batch; returns how many notifications it handled."""
        async with transaction(self._sessions) as session:
            claimed = await repository.claim_due(session, self._settings.delivery_batch_size)
            if not claimed:
                return 0
            async with self._email.connections() as email:
                outcomes = await asyncio.gather(*(self._deliver(n, email) for n in claimed))
            await service.record_outcomes(
                session, self._settings, zip(claimed, outcomes, strict=True)
            )
        return len(claimed)

    async def _deliver(
        self, notification: Notification, email: SmtpConnections
    ) -> Delivery | DeliveryError:
        try:
            if notification.recipient_encrypted is None:
                raise DeliveryError("notification has no recipient", permanent=True)
            address = self._cipher.decrypt(notification.recipient_encrypted)
            if notification.channel == "email":
                return await email.send(
                    notification.id, address, notification.subject or "", notification.body or ""
                )
            async with self._sms_slots:
                return await self._sms.send(notification.id, address, notification.body or "")
        except DeliveryError as exc:
            return exc
        except InvalidToken:
            return DeliveryError("recipient cannot be decrypted with the PII key", permanent=True)
        except Exception as exc:  # counted as an attempt so one bad row cannot stall the queue
            raise_if_cancelling()
            log.exception("unexpected error delivering notification %s", notification.id)
            return DeliveryError(f"unexpected error: {exc!r}", permanent=False)


async def dispatcher(runtime: Runtime) -> None:
    """The messaging worker (see ``ServiceSpec.workers``): runs until cancelled."""
    settings = runtime.settings
    if not isinstance(settings, Settings):
        raise TypeError("the dispatcher needs messaging Settings")
    for name in ("httpx", "httpcore"):  # one INFO line per SMS request otherwise
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))
    sms = SmsGateway(settings)
    wakeups = Wakeups(asyncpg_dsn(settings.database_url), repository.DISPATCH_CHANNEL)
    worker = Dispatcher(
        settings=settings,
        sessions=runtime.sessions,
        cipher=PiiCipher(settings.pii_key.get_secret_value()),
        email=SmtpSender(settings),
        sms=sms,
    )
    try:
        await worker.run(wakeups)
    finally:
        await wakeups.close()
        await sms.aclose()
