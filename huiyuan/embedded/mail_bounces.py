"""Bounces of the local mail catcher: it takes every message, and a while after taking one
to an address at a reserved domain (:data:`BOUNCING_DOMAINS`) it posts a bounce report
``{message_id, kind, at, diagnostic_code}`` to ``url``, signed per Standard Webhooks with
``secret``, as a real email provider reports the DSNs it gets; it retries with backoff
until the receiver answers 2xx (or 4xx: a report it refuses will not get better)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Literal

import httpx

from huiyuan.embedded.provider_store import utc_now_iso
from huiyuan.embedded.sms_replies import signed_callback

log = logging.getLogger(__name__)

BounceKind = Literal["hard", "soft", "complaint"]

BOUNCING_DOMAINS: dict[str, tuple[BounceKind, str | None]] = {
    "bounce.example.com": ("hard", "5.1.1"),
    "softbounce.example.com": ("soft", "4.2.2"),
    "complaint.example.com": ("complaint", None),
}
"""What a message to an address at each domain leads to: the kind of bounce and its RFC
3463 status code (5.1.1 no such mailbox, 4.2.2 mailbox full). The domains are under
``example.com`` (reserved, RFC 2606), which customer takes as a member's email where it
refuses ``.test``."""


def bounce_of(address: str) -> tuple[BounceKind, str | None] | None:
    """The bounce a message to ``address`` gets, or ``None`` (it is simply kept)."""
    return BOUNCING_DOMAINS.get(address.rpartition("@")[2].strip(">").lower())


@dataclass(frozen=True)
class Bounces:
    url: str
    """Where bounce reports go (messaging's ``/webhooks/email/bounces/smtp``)."""
    secret: str
    """The Standard Webhooks secret (``whsec_...``) they are signed with."""
    delay_seconds: float = 1.0
    """A DSN takes a while: this also lets the sender record its send first."""
    attempts: int = 6
    backoff_seconds: float = 0.5
    _pending: set[asyncio.Task[None]] = field(default_factory=set, compare=False, repr=False)

    def report(self, message_id: str | None, recipients: list[str]) -> None:
        """Schedules the report of the first recipient at a bouncing domain, if any (on the
        running loop: the mail catcher's)."""
        bounce = next((b for b in map(bounce_of, recipients) if b is not None), None)
        if message_id is None or bounce is None:
            return
        task = asyncio.get_running_loop().create_task(self.post(message_id, *bounce))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def post(self, message_id: str, kind: BounceKind, code: str | None) -> None:
        """Post the report; gives up (logged) after ``attempts`` tries."""
        await asyncio.sleep(self.delay_seconds)
        payload = {"message_id": message_id, "kind": kind, "at": utc_now_iso()}
        if code is not None:
            payload["diagnostic_code"] = code
        async with httpx.AsyncClient(timeout=10.0) as client:
            for attempt in range(self.attempts):
                body, headers = signed_callback(self.secret, payload)
                try:
                    answer = await client.post(self.url, content=body, headers=headers)
                    if answer.status_code < 500:
                        return
                except httpx.HTTPError as exc:
                    log.info("bounce of %s not taken (%r), retrying", message_id, exc)
                await asyncio.sleep(self.backoff_seconds * 2**attempt)
        log.warning("bounce of %s given up after %d attempts", message_id, self.attempts)
