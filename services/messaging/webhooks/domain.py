"""Rules of outbound webhooks, as pure functions: which URLs a receiver may have, the
signing secret's form, the signature headers, and when to try again.

Signing follows Standard Webhooks (https://www.standardwebhooks.com): ``webhook-id`` is
the delivery's id (the same on every attempt and on a replay, so a receiver deduplicates
on it), ``webhook-timestamp`` the attempt's time in Unix seconds, and ``webhook-signature``
``v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` under each secret that signs, separated
by spaces (after a rotation, the new secret's and, for the grace period, the old one's).
"""

from __future__ import annotations

import base64
import ipaddress
import math
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from standardwebhooks import Webhook

from shared.settings import Environment

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
MAX_URL_LENGTH = 2048
SNIPPET_CHARS = 500
MAX_RETRY_DELAY = timedelta(days=1)
_LOCAL_NAMES = ("localhost", ".localhost", ".local", ".internal")


def new_secret() -> str:
    """A signing secret as Standard Webhooks writes it: ``whsec_`` and the base64 of 32
    random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def url_refusal(url: str, environment: Environment) -> str | None:
    """Why ``url`` cannot receive webhooks, or ``None`` if it can.

    Everywhere: only ``http``/``https`` with a host, no user or password in it. In
    production also only ``https``, and no host that names this machine or a private
    network (``localhost``, ``*.local``, ``*.internal``, a loopback, private, link-local,
    reserved or multicast address): a subscription must not make the service call its own
    neighbours. Development and test allow loopback receivers over ``http``.
    """
    if len(url) > MAX_URL_LENGTH:
        return f"is longer than {MAX_URL_LENGTH} characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError:
        return "is not a URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http or https URL with a host"
    if parts.username is not None or parts.password is not None:
        return "must not carry a user or password (receivers verify the signature)"
    if environment != "production":
        return None
    if parts.scheme != "https":
        return "must use https in production"
    return _private_host(parts.hostname)


def _private_host(host: str) -> str | None:
    if host == "localhost" or host.endswith(_LOCAL_NAMES):
        return "must not name this machine or a local network in production"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if not address.is_global or address.is_multicast:
        return "must not be a loopback, private, reserved or multicast address in production"
    return None


def signature(secrets_: Sequence[str], webhook_id: str, at: datetime, body: str) -> str:
    """The ``webhook-signature`` header: one ``v1,<base64>`` per secret, space-separated."""
    return " ".join(Webhook(secret).sign(webhook_id, at, body) for secret in secrets_)


def signed_headers(
    secrets_: Sequence[str], webhook_id: str, at: datetime, body: str
) -> dict[str, str]:
    """The headers of one attempt at ``at`` (aware): id, timestamp, signature, JSON."""
    return {
        "content-type": "application/cloudevents+json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(math.floor(at.timestamp())),
        "webhook-signature": signature(secrets_, webhook_id, at, body),
    }


def retry_delay(attempts: int, first: float, rng: random.Random | None = None) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: ``first`` seconds doubled per
    earlier attempt, capped at a day, then a random point in its upper half so that the
    retries of many deliveries failed together (a receiver's outage) spread out."""
    ceiling = min(first * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY.total_seconds())
    return timedelta(seconds=ceiling / 2 + (rng or random).random() * ceiling / 2)


@dataclass(frozen=True)
class Answer:
    """What one attempt sent at ``at`` (UTC) got: the status code (``None`` when no answer
    came), the error, the response's first characters and how long it took in
    milliseconds."""

    at: datetime
    status_code: int | None
    error: str | None
    snippet: str | None
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def snippet(text: str) -> str | None:
    """The first :data:`SNIPPET_CHARS` characters of a response, or ``None`` if empty."""
    return text[:SNIPPET_CHARS] or None
