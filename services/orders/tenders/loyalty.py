"""Orders' synchronous client of loyalty's reservations (积分抵现), over HTTP with httpx.

A till asks orders (with its store key) and orders asks loyalty with a short-lived
service token naming itself, the store in the body: loyalty never sees store keys. Every
call carries an ``Idempotency-Key`` derived from what it does, so a retry is answered as
the first call was; every call has a timeout (``loyalty_timeout_seconds``).

Loyalty not answering (refused connection, timeout, 5xx, or still busy with the same
call) raises :class:`LoyaltyUnavailable` (503 with ``Retry-After``); a refusal (4xx)
raises :class:`PointsRefused` (422) with loyalty's problem type as ``cause`` and its
words as ``detail``.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Annotated, Any

import httpx
from fastapi import Depends, Request

from services.orders.config import Settings
from services.orders.tenders.errors import LoyaltyUnavailable, PointsRefused
from shared.auth import issue_token
from shared.openapi import problem

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
_BUSY = "urn:huiyuan:problem:request-in-progress"

UNAVAILABLE_DOC = problem(
    503,
    "loyalty did not answer (ConnectError): no points were spent; retry shortly, or take "
    "the sale without points",
    f"{LoyaltyUnavailable.title} (a sale or hold with points), or the database",
)
"""The OpenAPI entry of a route that calls loyalty."""
UNAVAILABLE_DOC[503]["headers"] = {
    "Retry-After": {
        "description": "Seconds to wait before retrying",
        "schema": {"type": "integer", "example": RETRY_AFTER_SECONDS},
    }
}


class Loyalty:
    """Loyalty's reservations, as orders calls them."""

    def __init__(self, settings: Settings) -> None:
        self._base_url = settings.loyalty_url.rstrip("/")
        self._timeout = settings.loyalty_timeout_seconds
        self._secret = settings.jwt_secret.get_secret_value()

    async def reserve(self, body: dict[str, Any], key: str, *, field: str) -> dict[str, Any]:
        """Holds points for a sale in progress (loyalty's ``POST /reservations``); ``field``
        names the asked points for a refusal."""
        return await self._post("/reservations", body, key, field=field)

    async def commit(
        self, reservation_id: uuid.UUID, body: dict[str, Any], *, field: str
    ) -> dict[str, Any]:
        """Makes the reservation sale ``body["purchase_id"]``'s; ``field`` names the
        tender in the sale for a refusal."""
        key = f"commit-{reservation_id}-{body['purchase_id']}"
        return await self._post(f"/reservations/{reservation_id}/commit", body, key, field=field)

    async def release(
        self, reservation_id: uuid.UUID, body: dict[str, Any], key: str
    ) -> dict[str, Any]:
        """Gives the reservation's points back (loyalty's ``.../release``)."""
        return await self._post(f"/reservations/{reservation_id}/release", body, key)

    async def _post(
        self, path: str, body: dict[str, Any], key: str, *, field: str | None = None
    ) -> dict[str, Any]:
        token = issue_token(
            self._secret, subject="orders", role="service", ttl=timedelta(minutes=5)
        )
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
        try:
            # a connection per call: sales paid with points are few, and a pool kept in the
            # app would need closing at shutdown
            async with httpx.AsyncClient(base_url=self._base_url, timeout=self._timeout) as client:
                response = await client.post(path, json=body, headers=headers)
        except httpx.HTTPError as failed:
            log.warning("loyalty did not answer POST %s: %r", path, failed)
            raise _unavailable(f"loyalty did not answer ({type(failed).__name__})") from failed
        answer: dict[str, Any] = _json(response)
        if response.status_code < 300:
            return answer
        if response.status_code >= 500 or answer.get("type") == _BUSY:
            log.warning("loyalty answered POST %s with %d", path, response.status_code)
            raise _unavailable(f"loyalty answered {response.status_code}")
        raise PointsRefused(
            str(answer.get("detail") or f"loyalty refused the points ({response.status_code})"),
            field=field,
            cause=answer.get("type"),
        )


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _unavailable(why: str) -> LoyaltyUnavailable:
    return LoyaltyUnavailable(
        f"{why}: no points were spent; retry shortly, or take the sale without points",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def loyalty_client(request: Request) -> Loyalty:
    """A FastAPI dependency: the client for the app's settings."""
    settings = request.app.state.settings
    if not isinstance(settings, Settings):
        raise TypeError("orders' loyalty client needs orders Settings")
    return Loyalty(settings)


LoyaltyClient = Annotated[Loyalty, Depends(loyalty_client)]
