"""The dispatcher: delivers queued notifications, outside the consumer's transaction.

The worker leases due notifications in batches of ``delivery_batch_size``: one short
transaction marks them ``sending`` until ``now + delivery_lease_seconds`` (``FOR UPDATE
SKIP LOCKED``, so replicas never lease the same one). It sends them concurrently through
each channel's provider (``delivery_concurrency`` SMS at a time over kept-alive
connections, emails over at most ``smtp_connections`` SMTP connections per batch) and
records outcomes as they complete, in short transactions of whatever has completed
meanwhile (each also applies the delivery receipts that came before it: see
:mod:`services.messaging.delivery.service`). A message holds one of
:data:`UNRECORDED_PER_SEND` slots per send its channel allows from before its send until
its outcome is committed, so at most ``2 * (delivery_concurrency + smtp_connections)``
messages are sent and not yet recorded at any moment (:func:`in_flight_limit`): a crash, a
lost connection or a database restart repeats at most those, once their lease runs out. The
email carries the notification id as Message-ID and the SMS gateway deduplicates on the
``Idempotency-Key``, so a repeat is recognisable (docs/reliability.md).

It wakes on ``pg_notify`` from the consumer (``DISPATCH_CHANNEL``), waits
``delivery_linger_ms`` for more messages to be queued so that one round takes them all,
and polls every second anyway, which also picks up retries whose backoff has elapsed and
leases that ran out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from cryptography.fernet import InvalidToken

from services.messaging.config import Settings
from services.messaging.delivery import service as receipts
from services.messaging.delivery.domain import Message, Provider, Sender
from services.messaging.delivery.errors import DeliveryError
from services.messaging.delivery.kinds import providers
from services.messaging.notifications import outcomes as notifications
from services.messaging.notifications.domain import DISPATCH_CHANNEL, Outcome, Outgoing, Undelivered
from services.messaging.templates.domain import SECRET_TEMPLATES
from shared.background import raise_if_cancelling, repeat_until_cancelled, run_as_group
from shared.crypto import PiiCipher
from shared.db import Sessions, asyncpg_dsn, single_statement, transaction
from shared.events.messaging import Channel
from shared.notify import Wakeups
from shared.service_app import Runtime

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 1.0
UNRECORDED_PER_SEND = 2
"""Messages sent and not yet recorded per send the providers allow at once: with one,
sends wait while their outcomes commit (email throughput fell from ~250 to ~60/s); with
two, the next sends run while the previous ones commit."""


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
        linger = self._settings.delivery_linger_ms / 1000

        async def dispatch_or_wait() -> None:
            full = await self.dispatch_batch() == self._settings.delivery_batch_size
            if not full and await wakeups.wait(IDLE_POLL_SECONDS) and linger:
                await asyncio.sleep(linger)
                wakeups.forget()  # the round about to run leases what these announced

        await repeat_until_cancelled(dispatch_or_wait, "dispatcher")

    async def dispatch_batch(self) -> int:
        """Lease, send and record one batch; returns how many notifications it leased.
        The lease is one statement committing by itself, so a round that finds nothing due
        costs that one statement.

        A round lasts at most its lease and one send's timeout (:func:`round_limit`): past
        that its messages are anyone's to lease again, so whatever it still waits for (a
        statement behind a lock, a connection that never answers) is given up with
        ``TimeoutError`` and the next round starts."""
        async with asyncio.timeout(round_limit(self._settings)):
            return await self._dispatch_batch()

    async def _dispatch_batch(self) -> int:
        settings = self._settings
        leased_until = datetime.now(UTC) + timedelta(seconds=settings.delivery_lease_seconds)
        async with single_statement(self._sessions) as session:
            leased = await notifications.lease_due(
                session, settings.delivery_batch_size, leased_until
            )
        if not leased:
            return 0
        recorder = _Recorder(self._sessions, settings, leased_until, len(leased))
        slots = {
            "sms": asyncio.Semaphore(UNRECORDED_PER_SEND * settings.delivery_concurrency),
            "email": asyncio.Semaphore(UNRECORDED_PER_SEND * settings.smtp_connections),
        }
        async with contextlib.AsyncExitStack() as batch:
            senders = {
                channel: await batch.enter_async_context(provider.batch())
                for channel, provider in self._providers.items()
            }
            # a failed record cancels the rest of the batch: it stays leased, and what was
            # in flight is the repeat window
            sends = [
                self._send(message, senders[message.channel], slots[message.channel], recorder)
                for message in leased
            ]
            await run_as_group([recorder.run(), *sends])
        return len(leased)

    async def _send(
        self,
        notification: Outgoing,
        sender: Sender,
        slot: asyncio.Semaphore,
        recorder: _Recorder,
    ) -> None:
        await slot.acquire()
        if not recorder.may_start(self._settings.delivery_timeout_seconds):
            slot.release()
            recorder.skip()  # its lease runs out first: whoever leases it next sends it
            return
        limit = 2 * self._settings.delivery_timeout_seconds
        try:
            async with asyncio.timeout(limit):  # what may_start counts on
                outcome: Outcome = await self._deliver(notification, sender)
        except TimeoutError:
            outcome = Undelivered(
                f"the send took longer than {limit:g} s (a provider answering slowly at every "
                "step); whether it took the message is unknown",
                permanent=False,
            )
        recorder.completed(notification, outcome, slot.release)

    async def _deliver(self, notification: Outgoing, sender: Sender) -> Outcome:
        try:
            if notification.recipient_encrypted is None:
                raise DeliveryError("notification has no recipient", permanent=True)
            address = self._cipher.decrypt(notification.recipient_encrypted)
            body = notification.body
            if notification.template in SECRET_TEMPLATES:
                body = self._cipher.decrypt(body)
            return await sender.send(
                Message(
                    notification.id,
                    address,
                    notification.subject,
                    body,
                    member_id=notification.member_id,
                    maybe_taken_by=notification.provider,
                )
            )
        except DeliveryError as exc:
            return Undelivered(str(exc), permanent=exc.permanent, maybe_taken_by=exc.maybe_taken_by)
        except InvalidToken:
            return Undelivered(
                "recipient or secret text cannot be decrypted with the PII key", permanent=True
            )
        except Exception as exc:  # counted as an attempt so one bad row cannot stall the queue
            raise_if_cancelling()
            log.exception("unexpected error delivering notification %s", notification.id)
            return Undelivered(f"unexpected error: {exc!r}", permanent=False)


_Completed = tuple[Outgoing, Outcome, Callable[[], None]]
"""A notification, its outcome, and how to free its slot once the outcome is committed."""


class _Recorder:
    """Commits outcomes as sends complete: each transaction takes everything completed
    while the previous one ran, and frees those messages' slots after it commits."""

    def __init__(
        self, sessions: Sessions, settings: Settings, leased_until: datetime, expected: int
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._leased_until = leased_until
        self._left = expected
        self._done: asyncio.Queue[_Completed | None] = asyncio.Queue()

    def may_start(self, send_seconds: float) -> bool:
        """A send may start if it ends, at worst, inside the lease: otherwise another
        dispatcher could lease the message while it is still being sent."""
        latest_end = datetime.now(UTC) + timedelta(seconds=2 * send_seconds)
        return latest_end <= self._leased_until

    def skip(self) -> None:
        self._done.put_nowait(None)

    def completed(
        self, notification: Outgoing, outcome: Outcome, release: Callable[[], None]
    ) -> None:
        self._done.put_nowait((notification, outcome, release))

    async def run(self) -> None:
        while self._left:
            group = [await self._done.get()]
            while not self._done.empty():
                group.append(self._done.get_nowait())
            self._left -= len(group)
            outcomes = [item for item in group if item is not None]
            if not outcomes:
                continue
            recorded = [(notification, outcome) for notification, outcome, _ in outcomes]
            async with transaction(self._sessions) as session:
                await receipts.record_sends(session, self._settings, recorded, self._leased_until)
            for _, _, release in outcomes:
                release()


def round_limit(settings: Settings) -> float:
    """The longest a dispatcher round may take, in seconds: its lease, then one send's
    timeout for the outcomes of sends that ended as the lease did."""
    return settings.delivery_lease_seconds + settings.delivery_timeout_seconds


def in_flight_limit(settings: Settings) -> int:
    """The most messages sent and not yet recorded at once: what a crash can repeat."""
    return UNRECORDED_PER_SEND * (settings.delivery_concurrency + settings.smtp_connections)


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
