"""Asking the other services for their part of a member's export, over HTTP.

Each service answers ``GET /members/{id}/export`` with what it holds about the member,
to the same bearer token the export was asked with (an admin's, or the member's own).
All four are asked at once; the export is whole or not given: one that does not answer
200 with a JSON object within ``export_timeout_seconds`` raises
:class:`ExportPeerUnavailable` (503) naming it.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from services.customer.config import Settings
from services.customer.privacy.errors import ExportPeerUnavailable

PEERS = ("orders", "loyalty", "messaging", "analytics")
"""The services holding a part of a member's data besides customer, in export order."""
_RETRY = {"Retry-After": "5"}


def _urls(settings: Settings) -> dict[str, str]:
    return {
        "orders": settings.orders_url,
        "loyalty": settings.loyalty_url,
        "messaging": settings.messaging_url,
        "analytics": settings.analytics_url,
    }


async def _part(
    client: httpx.AsyncClient, peer: str, url: str, authorization: str
) -> dict[str, Any]:
    try:
        answer = await client.get(url, headers={"Authorization": authorization})
    except httpx.HTTPError as exc:
        raise ExportPeerUnavailable(
            f"{peer} did not answer for its part of the export ({type(exc).__name__}); retry later",
            service=peer,
            headers=_RETRY,
        ) from exc
    if answer.status_code != 200:
        raise ExportPeerUnavailable(
            f"{peer} answered {answer.status_code} for its part of the export; retry later",
            service=peer,
            headers=_RETRY,
        )
    part = answer.json()
    if not isinstance(part, dict):
        raise ExportPeerUnavailable(f"{peer} answered no JSON object", service=peer, headers=_RETRY)
    return part


async def parts(
    settings: Settings, member_id: uuid.UUID, authorization: str
) -> dict[str, dict[str, Any]]:
    """Every peer's part of the member's export, by service name. Raises
    :class:`ExportPeerUnavailable` (503) if any one cannot give it."""
    urls = _urls(settings)
    async with httpx.AsyncClient(timeout=settings.export_timeout_seconds) as client:
        answers = await asyncio.gather(
            *(
                _part(
                    client,
                    peer,
                    f"{urls[peer].rstrip('/')}/members/{member_id}/export",
                    authorization,
                )
                for peer in PEERS
            )
        )
    return dict(zip(PEERS, answers, strict=True))
