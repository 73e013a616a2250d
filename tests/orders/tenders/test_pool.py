"""Orders keeps one client for loyalty for the app's lifetime: its calls share a pool of
connections (one connection serves consecutive calls), and shutdown closes it."""

from __future__ import annotations

import httpx

from services.orders.tenders.loyalty import RESOURCE, Loyalty
from shared.db import Sessions
from tests.orders.conftest import StoreKey
from tests.orders.tenders.till import fund, hold
from tests.stack import Stack, running


async def test_calls_to_loyalty_share_one_connection_until_shutdown(
    stack: Stack,
    loyalty: str,
    store: StoreKey,
    orders_sessions: Sessions,
    loyalty_sessions: Sessions,
) -> None:
    member = await fund(stack, orders_sessions, loyalty_sessions)
    app = stack.app("orders", loyalty_url=loyalty)
    served: list[tuple[str, object]] = []

    async def record(response: httpx.Response) -> None:
        stream = response.extensions["network_stream"]
        served.append((response.request.url.path, stream.get_extra_info("client_addr")))

    async with running(app) as till:
        client = app.state.runtime.resources[RESOURCE]
        assert isinstance(client, Loyalty)
        client.http.event_hooks["response"].append(record)
        held = await hold(till, store, member, points=100)
        assert held.status_code == 201, held.text
        benefits = await till.get(f"/members/{member.member_id}/benefits", headers=store.headers)
        assert benefits.status_code == 200, benefits.text
        assert not client.http.is_closed
    assert [path for path, _ in served] == [
        "/reservations",
        f"/members/{member.member_id}/benefits",
    ]
    assert served[0][1] == served[1][1]  # the same local address and port: one connection
    assert client.http.is_closed
