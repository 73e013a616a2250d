"""SMS through the HTTP gateway: ``POST /v1/messages`` with a bearer key.

The notification id goes as ``Idempotency-Key``, so the gateway drops a resend that
follows a crash between its answer and our commit. 4xx answers are permanent failures
(except 408 and 429), 5xx answers and network errors are retried.
"""

from __future__ import annotations

import uuid

import httpx

from services.messaging.config import Settings
from services.messaging.providers import Delivery, DeliveryError

_RETRYABLE_4XX = frozenset({408, 429})


class SmsGateway:
    def __init__(self, settings: Settings, client: httpx.AsyncClient | None = None) -> None:
        self._settings = settings
        self._client = client or httpx.AsyncClient(timeout=settings.delivery_timeout_seconds)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(self, notification_id: uuid.UUID, to: str, text: str) -> Delivery:
        settings = self._settings
        try:
            response = await self._client.post(
                f"{settings.sms_gateway_url.rstrip('/')}/v1/messages",
                headers={
                    "Authorization": f"Bearer {settings.sms_api_key.get_secret_value()}",
                    "Idempotency-Key": str(notification_id),
                },
                json={"to": to, "text": text, "sign": settings.sms_sign},
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
            answer = response.json()
            return Delivery(str(answer["message_id"]), answer)
        except (ValueError, KeyError, TypeError) as exc:
            raise DeliveryError(
                f"SMS gateway answered 200 without a message_id: {response.text[:500]}",
                permanent=False,
            ) from exc
