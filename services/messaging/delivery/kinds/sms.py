"""SMS through the HTTP gateway: ``POST /v1/messages`` with a bearer key.

The recipient goes as E.164 (``+8613812345678``), also for a notification the previous
release queued with digits only (``contacts.domain.sms_number``); a recipient that is no
phone number at all fails at once.

The notification id goes as ``Idempotency-Key``, so the gateway drops a resend that
follows a crash between its answer and our commit. 4xx answers are permanent failures
(except 408 and 429), 5xx answers and network errors are retried.
"""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx

from services.messaging.config import Settings
from services.messaging.contacts.domain import sms_number
from services.messaging.delivery.domain import Message
from services.messaging.delivery.errors import DeliveryError
from services.messaging.notifications.domain import Delivered
from services.messaging.templates.domain import one_line
from shared.inputs import INT64_MAX

_RETRYABLE_4XX = frozenset({408, 429})
MAX_SEGMENTS = 1_000
MAX_COST_FEN = 100_000
"""The most one SMS is recorded to have cost: 1,000 yuan, where a long one costs cents."""
# shorter than uvicorn's 5 s (the local gateway's server), so an idle connection is dropped
# here before the gateway closes it under a request
KEEPALIVE_SECONDS = 4.0


def create_client(settings: Settings) -> httpx.AsyncClient:
    """One client for the dispatcher's lifetime: its pool keeps connections to the gateway
    alive between messages, as many as the dispatcher sends at once."""
    concurrency = settings.delivery_concurrency
    return httpx.AsyncClient(
        timeout=settings.delivery_timeout_seconds,
        limits=httpx.Limits(
            max_connections=concurrency,
            max_keepalive_connections=concurrency,
            keepalive_expiry=KEEPALIVE_SECONDS,
        ),
    )


class SmsGateway:
    """The SMS provider: ``delivery_concurrency`` messages in flight at once, over one
    client's kept-alive connections for the dispatcher's lifetime."""

    def __init__(self, settings: Settings, client: httpx.AsyncClient | None = None) -> None:
        self._settings = settings
        self._client = client or create_client(settings)
        self._url = f"{settings.sms_gateway_url.rstrip('/')}/v1/messages"
        self._authorization = f"Bearer {settings.sms_api_key.get_secret_value()}"
        self._slots = asyncio.Semaphore(settings.delivery_concurrency)

    def batch(self) -> AbstractAsyncContextManager[SmsGateway]:
        """Batches share the gateway's client: nothing to open or release per batch."""
        return contextlib.nullcontext(self)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(self, message: Message) -> Delivered:
        async with self._slots:
            return await self._post(message)

    async def _post(self, message: Message) -> Delivered:
        """The text goes out as one line even if it was stored with a line break."""
        to = sms_number(message.to)
        if to is None:
            raise DeliveryError("the recipient is not a phone number", permanent=True)
        try:
            response = await self._client.post(
                self._url,
                headers={
                    "Authorization": self._authorization,
                    "Idempotency-Key": str(message.notification_id),
                },
                json={
                    "to": to,
                    "text": one_line(message.body),
                    "sign": self._settings.sms_sign,
                },
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"SMS gateway unreachable: {exc!r}", permanent=False) from exc
        if response.status_code != 200:
            status = response.status_code
            raise DeliveryError(
                f"SMS gateway answered {status}: {response.text[:500]}",
                permanent=400 <= status < 500 and status not in _RETRYABLE_4XX,
            )
        try:
            return delivered(response.json())
        except ValueError as exc:
            raise DeliveryError(
                f"SMS gateway answered 200 without a message_id: {response.text[:500]}",
                permanent=False,
            ) from exc


def delivered(answer: object) -> Delivered:
    """What a 200 answer of the gateway says: its ``message_id`` (text or an integer),
    and the ``status``, ``segments`` and ``cost_fen`` it reported when they are plausible
    (a string of at most 32 characters, integers from 0 to :data:`MAX_SEGMENTS` and
    :data:`MAX_COST_FEN`), so the statistics' sums stay within their integers. Raises
    ``ValueError`` without a message id."""
    if not isinstance(answer, dict):
        raise ValueError("not a JSON object")
    message_id = answer.get("message_id")
    if _bounded_int(message_id, INT64_MAX):
        message_id = str(message_id)
    if not isinstance(message_id, str) or not message_id.strip():
        raise ValueError("no message_id")
    kept: dict[str, Any] = {"message_id": message_id}
    status = answer.get("status")
    if isinstance(status, str) and len(status) <= 32:
        kept["status"] = status
    for name, maximum in (("segments", MAX_SEGMENTS), ("cost_fen", MAX_COST_FEN)):
        if _bounded_int(answer.get(name), maximum):
            kept[name] = answer[name]
    return Delivered(message_id, kept)


def _bounded_int(value: object, maximum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= maximum
