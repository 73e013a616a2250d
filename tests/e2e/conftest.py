"""The five services in one test process, over the real PostgreSQL and broker, with a real
SMTP server and a real HTTP SMS gateway standing in for the providers. All but customer
are served on loopback ports: orders calls loyalty over HTTP for points and coupons at the
till, the gateway calls messaging back with members' SMS replies, and customer asks all
four for their part of a member's export."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from huiyuan.embedded.local_providers import Inbox as ProviderInbox
from huiyuan.embedded.local_providers import MailCatcher, create_sms_gateway_app, read_inbox
from huiyuan.embedded.ports import free_port
from huiyuan.provision import SERVICES
from tests.server import serving
from tests.stack import Stack, forget_earlier_events, running, skip_backlog

SMS_KEY = "e2e-sms-key"
SMS_CALLBACK_SECRET = "whsec_ZTJlLXNtcy13ZWJob29rLXNlY3JldA=="
"""The primary provider's callback secret: its replies (and receipts) are signed with it."""


@dataclass
class Providers:
    store_dir: Path
    smtp_port: int
    sms_url: str
    messaging_port: int
    """Where the system serves messaging: the gateway posts replies there."""

    def inbox(self) -> ProviderInbox:
        return read_inbox(self.store_dir)


@dataclass
class System:
    stack: Stack
    clients: dict[str, httpx.AsyncClient]
    providers: Providers
    consumer_groups: dict[str, str]

    def __getitem__(self, service: str) -> httpx.AsyncClient:
        return self.clients[service]


@pytest.fixture(scope="module")
async def providers(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Providers]:
    store_dir = tmp_path_factory.mktemp("providers")
    mail = MailCatcher(store_dir, port=free_port())
    mail.start()
    http_port, messaging_port = free_port(), free_port()
    replies = (
        f"http://127.0.0.1:{messaging_port}/webhooks/sms/inbound",
        {"primary": SMS_CALLBACK_SECRET},
    )
    server = uvicorn.Server(
        uvicorn.Config(
            create_sms_gateway_app(store_dir, SMS_KEY, replies=replies),
            host="127.0.0.1",
            port=http_port,
            log_level="warning",
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes no event for this
        await asyncio.sleep(0.02)
    yield Providers(store_dir, mail.port, f"http://127.0.0.1:{http_port}", messaging_port)
    server.should_exit = True
    await task
    mail.stop()


_PATIENCE = httpx.Timeout(30.0)
"""How long a flow's request may take: httpx's default 5 s was outlasted twice in one CI
rehearsal, two workers' sales waiting at the same moment while the 2-core machine ran
three workers' systems (the flows' own `eventually` budgets are 15 to 30 s)."""


@pytest.fixture(scope="module")
async def system(stack: Stack, providers: Providers) -> AsyncIterator[System]:
    # groups of its own, started at the topics' end: this system handles its own events,
    # not those earlier tests left on the shared broker
    run = uuid.uuid4().hex[:8]
    overrides: dict[str, dict[str, Any]] = {
        service: {"consumer_group_id": f"{service}-e2e-{run}"} for service in SERVICES
    }
    overrides["messaging"].update(
        smtp_host="127.0.0.1",
        smtp_port=providers.smtp_port,
        sms_gateway_url=providers.sms_url,
        sms_api_key=SMS_KEY,
        sms_receipt_secret=SMS_CALLBACK_SECRET,
    )
    overrides["analytics"]["segment_poll_seconds"] = 0.2
    ports = {service: free_port() for service in SERVICES}
    ports["messaging"] = providers.messaging_port
    overrides["orders"]["loyalty_url"] = f"http://127.0.0.1:{ports['loyalty']}"
    # a member's export asks the other four over HTTP, as in huiyuan up
    overrides["customer"].update(
        {
            f"{peer}_url": f"http://127.0.0.1:{ports[peer]}"
            for peer in SERVICES
            if peer != "customer"
        }
    )
    for reader in ("messaging", "loyalty"):  # they read members' contacts at customer
        overrides[reader]["customer_url"] = f"http://127.0.0.1:{ports['customer']}"
    await forget_earlier_events(stack)
    for service, settings in overrides.items():
        subscriptions = stack.app(service).state.spec.subscriptions
        await skip_backlog(stack.bootstrap_servers, settings["consumer_group_id"], subscriptions)
    async with contextlib.AsyncExitStack() as apps:
        served = dict(ports)
        urls = {
            service: await apps.enter_async_context(
                serving(stack.app(service, **overrides[service]), port)
            )
            for service, port in served.items()
        }
        clients = {
            service: await apps.enter_async_context(
                httpx.AsyncClient(base_url=urls[service], timeout=_PATIENCE)
                if service in urls
                else running(stack.app(service, **overrides[service]))
            )
            for service in SERVICES
        }
        groups = {service: settings["consumer_group_id"] for service, settings in overrides.items()}
        yield System(stack, clients, providers, groups)
