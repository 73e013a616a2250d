"""SMS through HTTP gateways (``sms_providers``): ``POST /v1/messages`` with a bearer key.

The recipient goes as E.164 (``+8613812345678``), also for a notification the previous
release queued with digits only (``contacts.domain.sms_number``); a recipient that is no
phone number at all fails at once.

The notification id goes as ``Idempotency-Key`` to every provider (each keeps its own
keys), so a provider drops a resend that follows a crash between its answer and our
commit, and the inbox of the local gateway shows a message two providers took as a repeat.
4xx answers are permanent refusals (except 408 and 429); an unreachable provider is a
passing one; a 5xx answer or a lost answer leaves the outcome unknown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from typing import Any

import orjson

from services.messaging.config import Settings, SmsProvider
from services.messaging.contacts.domain import sms_number
from services.messaging.delivery.domain import Message
from services.messaging.delivery.errors import DeliveryError, OutcomeUnknown
from services.messaging.notifications.domain import Delivered
from services.messaging.templates.domain import one_line
from shared.http import NEVER_SENT, TRANSPORT_ERRORS, Client
from shared.inputs import INT64_MAX

log = logging.getLogger(__name__)

_RETRYABLE_4XX = frozenset({408, 429})
MAX_SEGMENTS = 1_000
MAX_COST_FEN = 100_000
"""The most one SMS is recorded to have cost: 1,000 yuan, where a long one costs cents."""
# shorter than uvicorn's 5 s (the local gateway's server), so an idle connection is dropped
# here before the gateway closes it under a request
KEEPALIVE_SECONDS = 4.0


def _client(provider: SmsProvider, settings: Settings) -> Client:
    """One client per provider for the dispatcher's lifetime: its connections stay open
    between messages, as many as the dispatcher sends at once. aiohttp (``shared.http``)
    costs a fraction of ``httpx``'s CPU per request, which was a third of messaging's CPU
    at one SMS per sale (docs/performance.md)."""
    return Client(
        base_url=provider.url,
        headers={"Authorization": f"Bearer {provider.api_key.get_secret_value()}"},
        connections=settings.delivery_concurrency,
        timeout_seconds=settings.delivery_timeout_seconds,
        keepalive_seconds=KEEPALIVE_SECONDS,
    )


class SmsEndpoint:
    """One SMS provider of the registry: sends a message, and answers whether it already
    has one (``GET {url}/v1/messages/{idempotency-key}``) when a send's outcome is unknown."""

    def __init__(self, provider: SmsProvider, settings: Settings) -> None:
        self.provider = provider
        self._client = _client(provider, settings)
        self._sign = settings.sms_sign
        self._path = "/v1/messages"

    async def aclose(self) -> None:
        await self._client.close()

    async def send(self, message: Message, to: str) -> Delivered:
        """Raises :class:`OutcomeUnknown` when the provider may have taken the message, and
        :class:`DeliveryError` when it certainly did not."""
        name = self.provider.name
        body = {"to": to, "text": one_line(message.body), "sign": self._sign}
        try:
            answered = await self._client.request(
                "POST",
                self._path,
                json=body,
                headers={"Idempotency-Key": str(message.notification_id)},
            )
        except NEVER_SENT as exc:
            raise DeliveryError(
                f"SMS provider {name} unreachable: {exc!r}", permanent=False
            ) from exc
        except TRANSPORT_ERRORS as exc:
            raise OutcomeUnknown(f"SMS provider {name} did not answer: {exc!r}") from exc
        status, answer = answered.status, answered.body
        if status >= 500:
            raise OutcomeUnknown(f"SMS provider {name} answered {status}: {_text(answer)}")
        if status != 200:
            raise DeliveryError(
                f"SMS provider {name} answered {status}: {_text(answer)}",
                permanent=status not in _RETRYABLE_4XX,
            )
        return self._delivered(answer)

    async def look_up(self, message: Message) -> Delivered | None:
        """The message as the provider has it, or ``None`` if it never took it. Raises
        :class:`OutcomeUnknown` when the provider cannot say."""
        name = self.provider.name
        try:
            answered = await self._client.request("GET", f"{self._path}/{message.notification_id}")
        except TRANSPORT_ERRORS as exc:
            raise OutcomeUnknown(f"SMS provider {name} cannot be asked: {exc!r}") from exc
        status, answer = answered.status, answered.body
        if status == 404:
            return None
        if status != 200:
            raise OutcomeUnknown(
                f"SMS provider {name} answered {status} when asked: {_text(answer)}"
            )
        return self._delivered(answer)

    def _delivered(self, body: bytes) -> Delivered:
        try:
            answer = delivered(orjson.loads(body))
        except ValueError as exc:  # orjson's JSONDecodeError is one too
            raise OutcomeUnknown(
                f"SMS provider {self.provider.name} answered 200 without a message_id: "
                f"{_text(body)}"
            ) from exc
        segments = answer.response.get("segments")
        return replace(
            answer,
            provider=self.provider.name,
            segments=segments,
            cost_fen=None if segments is None else segments * self.provider.price_fen_per_segment,
        )


class SmsGateway:
    """The SMS channel: ``delivery_concurrency`` messages in flight at once, over each
    provider's kept-alive connections for the dispatcher's lifetime, through the providers
    of ``sms_providers`` in order.

    A provider that refuses a message, or cannot be reached, hands it to the next one. One
    whose outcome is unknown (a timeout after sending, a 5xx answer) is asked first whether
    it has the message: if it has, that is the delivery; if it cannot say, the attempt
    fails, naming that provider (``maybe_taken_by``, kept in the notification's
    ``provider``), and the retry asks it again before any provider sends: two providers
    never both deliver one message. All refusing is a failed attempt, permanent when every
    one of them refused for good."""

    def __init__(self, settings: Settings) -> None:
        self._endpoints = [SmsEndpoint(provider, settings) for provider in settings.sms_registry()]
        self._slots = asyncio.Semaphore(settings.delivery_concurrency)

    def batch(self) -> AbstractAsyncContextManager[SmsGateway]:
        """Batches share the gateway's client: nothing to open or release per batch."""
        return contextlib.nullcontext(self)

    async def aclose(self) -> None:
        for endpoint in self._endpoints:
            await endpoint.aclose()

    async def send(self, message: Message) -> Delivered:
        """The text goes out as one line even if it was stored with a line break."""
        to = sms_number(message.to)
        if to is None:
            raise DeliveryError("the recipient is not a phone number", permanent=True)
        async with self._slots:
            earlier = next(
                (e for e in self._endpoints if e.provider.name == message.maybe_taken_by), None
            )
            if earlier is not None:
                unsure = OutcomeUnknown(f"an earlier attempt left {earlier.provider.name} unsure")
                found = await _ask(earlier, message, unsure)
                if found is not None:
                    return found
            refusals: list[DeliveryError] = []
            for endpoint in self._endpoints:
                try:
                    return await endpoint.send(message, to)
                except OutcomeUnknown as unknown:
                    found = await _ask(endpoint, message, unknown)
                    if found is not None:
                        return found
                    refusals.append(unknown)
                except DeliveryError as refused:
                    refusals.append(refused)
                log.info("SMS %s not taken: %s", message.notification_id, refusals[-1])
            raise DeliveryError(
                "; ".join(str(refusal) for refusal in refusals),
                permanent=all(refusal.permanent for refusal in refusals),
            )


async def _ask(
    endpoint: SmsEndpoint, message: Message, unknown: OutcomeUnknown
) -> Delivered | None:
    """What ``endpoint`` says of a message whose sending ended in ``unknown``; raises when
    it cannot say, so that no other provider sends it too."""
    try:
        return await endpoint.look_up(message)
    except OutcomeUnknown as silent:
        raise OutcomeUnknown(f"{unknown}; then {silent}", endpoint.provider.name) from silent


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


def _text(body: bytes) -> str:
    """The start of an answer's body, for an error message."""
    return body[:500].decode(errors="replace")


def _bounded_int(value: object, maximum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= maximum
