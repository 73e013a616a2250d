"""Real delivery endpoints for the dispatcher (an SMTP server and the SMS gateway over HTTP),
and the customer service messaging reads members' contacts from (:mod:`tests.contacts`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.types import ASGIApp

from huiyuan.embedded.local_providers import MailCatcher, create_sms_gateway_app
from huiyuan.embedded.ports import free_port
from shared.inbox import Handlers
from tests import server
from tests.contacts import customer_contacts  # noqa: F401 (a fixture: the test customer)
from tests.stack import Stack

SMS_API_KEY = "test-sms-key"


@dataclass(frozen=True)
class SmtpEndpoint:
    port: int
    store_dir: Path


@dataclass(frozen=True)
class SmsEndpoint:
    url: str
    api_key: str
    store_dir: Path


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[SmtpEndpoint]:
    endpoint = SmtpEndpoint(free_port(), tmp_path / "mail")
    catcher = MailCatcher(endpoint.store_dir, "127.0.0.1", endpoint.port)
    catcher.start()
    yield endpoint
    catcher.stop()


def serving(app: ASGIApp, port: int | None = None) -> AbstractAsyncContextManager[str]:
    """A provider's or a fake's ASGI app served on ``port`` (a free local one if not given),
    without lifespan; its base URL."""
    return server.serving(app, port, lifespan="off", access_log=False)


@pytest.fixture
async def sms_gateway(tmp_path: Path) -> AsyncIterator[SmsEndpoint]:
    store_dir = tmp_path / "sms"
    async with serving(create_sms_gateway_app(store_dir, SMS_API_KEY)) as url:
        yield SmsEndpoint(url, SMS_API_KEY, store_dir)


@pytest.fixture
def handlers(stack: Stack) -> Handlers:
    return stack.handlers("messaging")
