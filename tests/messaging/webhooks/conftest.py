"""A real webhook receiver on loopback, subscriptions made and removed per test, and the
worker that delivers to it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import delete
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from services.messaging.config import Settings
from services.messaging.webhooks import service
from services.messaging.webhooks.jobs import WebhookWorker
from services.messaging.webhooks.models import WebhookSubscription
from services.messaging.webhooks.schemas import SubscriptionIn, SubscriptionWithSecret
from shared.crypto import PiiCipher
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.events.loyalty import AccountOpened
from shared.settings import DEV_PII_KEY
from tests.messaging.conftest import serving
from tests.stack import Stack

CIPHER = PiiCipher(DEV_PII_KEY)
EVENT_TYPE = AccountOpened.event_type
"""Messaging consumes it only to pass it on: no contact needed, no message sent."""


def account_opened() -> CloudEvent:
    payload = AccountOpened(
        account_id=uuid.uuid4(),
        member_id=uuid.uuid4(),
        tier_code="silver",
        tier_name="银卡",
        opened_at=datetime(2026, 11, 30, 13, 0, tzinfo=UTC),
    )
    return CloudEvent.of(payload, source="/huiyuan/loyalty")


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers each POST with the next of ``statuses`` (200 once they run out); while
    ``gate`` is set and not open, takes the request and holds the answer back."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    gate: asyncio.Event | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        self.received.append(Received(dict(request.headers), await request.body()))
        if self.gate is not None:
            await self.gate.wait()
        status = self.statuses.pop(0) if self.statuses else 200
        await PlainTextResponse("boom" if status >= 500 else "ok", status)(scope, receive, send)

    def of(self, event: CloudEvent) -> list[Received]:
        return [r for r in self.received if f'"id":"{event.id}"'.encode() in r.body]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    async with serving(found) as url:
        found.url = f"{url}/hooks"
        yield found
        if found.gate is not None:  # the server waits for held requests before it stops
            found.gate.set()


@pytest.fixture
def settings(stack: Stack) -> Settings:
    made = stack.settings("messaging")
    assert isinstance(made, Settings)
    return made


Subscribe = Callable[[str], Awaitable[SubscriptionWithSecret]]


@pytest.fixture(autouse=True)
async def no_subscription_left(messaging_sessions: Sessions) -> AsyncIterator[None]:
    """Every subscription a test made is deleted after it, so no other test's events
    reach it."""
    yield
    async with transaction(messaging_sessions) as session:
        await session.execute(delete(WebhookSubscription))


@pytest.fixture
async def subscribe(messaging_sessions: Sessions, settings: Settings) -> Subscribe:
    """Subscribes a URL to :data:`EVENT_TYPE`."""

    async def create(url: str) -> SubscriptionWithSecret:
        async with transaction(messaging_sessions) as session:
            return await service.create(
                session, CIPHER, settings, SubscriptionIn(url=url, event_types=[EVENT_TYPE])
            )

    return create


MakeWorker = Callable[..., WebhookWorker]


@pytest.fixture
async def make_worker(stack: Stack, messaging_sessions: Sessions) -> AsyncIterator[MakeWorker]:
    """A worker whose retries are due at once (``webhook_retry_backoff_seconds=0.05``),
    with other settings as given."""
    async with httpx.AsyncClient(trust_env=False) as client:

        def make(**overrides: object) -> WebhookWorker:
            settings = stack.settings(
                "messaging",
                **{"webhook_retry_backoff_seconds": 0.05, "webhook_timeout_seconds": 2} | overrides,
            )
            assert isinstance(settings, Settings)
            return WebhookWorker(
                settings=settings, sessions=messaging_sessions, cipher=CIPHER, client=client
            )

        yield make
