from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.types import ASGIApp

from huiyuan.embedded.ports import free_port
from services.orders.base import idempotency, outbox
from services.orders.purchases.models import Purchase
from services.orders.returns.models import PurchaseReturn
from services.orders.stores import service as stores
from shared.crypto import PiiCipher
from shared.db import Sessions, transaction
from shared.errors import PROBLEM_JSON
from shared.events import CloudEvent
from shared.events.customer import MemberRegistered
from tests.contacts import customer_contacts  # noqa: F401 (a fixture: the test customer)
from tests.server import serving
from tests.stack import Stack, running, skip_backlog

LINES = [
    {"sku": "HC-001", "category": "health", "quantity": 2, "unit_price_fen": 19900},
    {"sku": "CO-117", "category": "cosmetics", "quantity": 1, "unit_price_fen": 5900},
]
TOTAL = 2 * 19900 + 5900


@dataclass(frozen=True)
class KnownMember:
    member_id: uuid.UUID
    card_number: str
    phone: str


@dataclass(frozen=True)
class StoreKey:
    store_id: uuid.UUID
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self.api_key}


def new_key() -> dict[str, str]:
    """A fresh ``Idempotency-Key`` header."""
    return {"Idempotency-Key": uuid.uuid4().hex}


def registered_event(stack: Stack, phone: str | None = None) -> CloudEvent:
    """A ``customer.member.registered`` envelope for a brand-new member."""
    member_id = uuid.uuid4()
    phone = phone or f"138{uuid.uuid4().int % 10**8:08d}"
    cipher = PiiCipher(stack.settings("orders").pii_key.get_secret_value())
    payload = MemberRegistered(
        member_id=member_id,
        card_number=f"8869{uuid.uuid4().int % 10**9:09d}",
        phone_hash=cipher.phone_hash(phone),
        registered_at=datetime.now(UTC),
    )
    return CloudEvent.of(payload, source="/huiyuan/customer")


async def register(stack: Stack, sessions: Sessions, phone: str | None = None) -> KnownMember:
    """A member orders has learnt about from customer's event."""
    phone = phone or f"138{uuid.uuid4().int % 10**8:08d}"
    event = registered_event(stack, phone)
    async with transaction(sessions) as session:
        await stack.handlers("orders")[event.type](session, event)
    payload = event.payload(MemberRegistered)
    return KnownMember(payload.member_id, payload.card_number, phone)


@pytest.fixture
async def member(stack: Stack, orders_sessions: Sessions) -> KnownMember:
    return await register(stack, orders_sessions)


async def new_store(sessions: Sessions, name: str = "Test store") -> StoreKey:
    async with transaction(sessions) as session:
        store, _, api_key = await stores.create_store(session, name)
    return StoreKey(store.id, api_key)


@pytest.fixture
async def store(orders_sessions: Sessions) -> StoreKey:
    return await new_store(orders_sessions)


@pytest.fixture(scope="module")
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with running(stack.app("orders")) as client:
        yield client


def is_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The problem+json body of ``response``, which must have ``status``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


async def post_sale(
    client: httpx.AsyncClient, store: StoreKey, member: KnownMember, **changes: Any
) -> dict[str, Any]:
    """A sale of ``LINES`` by card number, which must be recorded."""
    response = await client.post(
        "/purchases",
        json={"card_number": member.card_number, "lines": LINES} | changes,
        headers=store.headers | new_key(),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def events_of(
    sessions: Sessions, member: KnownMember, event_type: str
) -> list[dict[str, Any]]:
    """The ``data`` of the member's outbox events of ``event_type``, oldest first."""
    table = outbox.table
    async with sessions() as session:
        envelopes = await session.scalars(
            select(table.c.envelope)
            .where(table.c.key == str(member.member_id), table.c.event_type == event_type)
            .order_by(table.c.seq)
        )
        return [envelope["data"] for envelope in envelopes]


async def footprint(sessions: Sessions, store: StoreKey, member: KnownMember) -> tuple[int, ...]:
    """Rows this store or member could have left behind: purchases, returns, keys, events."""
    keys = idempotency.table
    async with sessions() as session:
        purchases = await session.scalar(
            select(func.count()).select_from(Purchase).where(Purchase.store_id == store.store_id)  # type: ignore[arg-type]
        )
        returns = await session.scalar(
            select(func.count())
            .select_from(PurchaseReturn)
            .join(Purchase, Purchase.id == PurchaseReturn.purchase_id)  # type: ignore[arg-type]
            .where(Purchase.store_id == store.store_id)  # type: ignore[arg-type]
        )
        key_rows = await session.scalar(
            select(func.count()).select_from(keys).where(keys.c.scope == f"store:{store.store_id}")
        )
        events = await session.scalar(
            select(func.count())
            .select_from(outbox.table)
            .where(outbox.table.c.key == str(member.member_id))
        )
    return (purchases or 0, returns or 0, key_rows or 0, events or 0)


@asynccontextmanager
async def served_loyalty(
    stack: Stack, wrap: Callable[[ASGIApp], ASGIApp] | None = None
) -> AsyncIterator[str]:
    """Loyalty served by uvicorn on a loopback port (inside ``wrap``, if given), consuming
    from the topics' end; yields its base URL."""
    group = f"loyalty-till-{uuid.uuid4().hex[:8]}"
    app = stack.app("loyalty", consumer_group_id=group)
    await skip_backlog(stack.bootstrap_servers, group, app.state.spec.subscriptions)
    async with serving(app if wrap is None else wrap(app)) as url:
        yield url


@pytest.fixture(scope="module")
async def loyalty(stack: Stack) -> AsyncIterator[str]:
    """Loyalty served on a loopback port (the module's tills call it)."""
    async with served_loyalty(stack) as url:
        yield url


@pytest.fixture(scope="module")
async def till(stack: Stack, loyalty: str) -> AsyncIterator[httpx.AsyncClient]:
    """Orders, calling that loyalty."""
    async with running(stack.app("orders", loyalty_url=loyalty)) as client:
        yield client


@pytest.fixture(scope="module")
async def offline(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """Orders, whose loyalty is down (nothing listens on its port)."""
    down = f"http://127.0.0.1:{free_port()}"
    async with running(stack.app("orders", loyalty_url=down)) as client:
        yield client
