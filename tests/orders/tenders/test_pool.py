"""Orders keeps one client for loyalty for the app's lifetime: its calls share a pool of
connections (one connection serves consecutive calls), and shutdown closes it."""

from __future__ import annotations

from types import SimpleNamespace

import aiohttp

from services.orders.config import Settings
from services.orders.tenders.loyalty import KEEPALIVE_SECONDS, RESOURCE, Loyalty
from shared.db import Sessions
from shared.http import Client
from tests.orders.conftest import StoreKey
from tests.orders.tenders.till import fund, hold
from tests.stack import Stack, running


async def test_the_app_keeps_one_client_until_shutdown(
    stack: Stack,
    loyalty: str,
    store: StoreKey,
    orders_sessions: Sessions,
    loyalty_sessions: Sessions,
) -> None:
    member = await fund(stack, orders_sessions, loyalty_sessions)
    app = stack.app("orders", loyalty_url=loyalty)
    async with running(app) as till:
        client = app.state.runtime.resources[RESOURCE]
        assert isinstance(client, Loyalty)
        held = await hold(till, store, member, points=100)
        assert held.status_code == 201, held.text
        assert app.state.runtime.resources[RESOURCE] is client
        assert not client.http.closed
    assert client.http.closed


async def test_consecutive_calls_to_loyalty_share_one_connection(
    stack: Stack, loyalty: str, orders_sessions: Sessions, loyalty_sessions: Sessions
) -> None:
    member = await fund(stack, orders_sessions, loyalty_sessions)
    opened: list[str] = []
    reused: list[str] = []

    async def on_create(_: object, __: SimpleNamespace, params: object) -> None:
        opened.append("new")

    async def on_reuse(_: object, __: SimpleNamespace, params: object) -> None:
        reused.append("kept")

    trace = aiohttp.TraceConfig()
    trace.on_connection_create_end.append(on_create)
    trace.on_connection_reuseconn.append(on_reuse)
    http = Client(
        base_url=loyalty,
        timeout_seconds=5.0,
        keepalive_seconds=KEEPALIVE_SECONDS,
        trace_configs=[trace],
    )
    try:
        client = Loyalty(Settings(loyalty_url=loyalty), http)
        for _ in range(3):
            await client.benefits(member.member_id)
    finally:
        await http.close()
    assert (len(opened), len(reused)) == (1, 2)
