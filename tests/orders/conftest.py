from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest

from services.orders import service
from shared.crypto import PiiCipher
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.events.customer import MemberRegistered
from tests.stack import Stack, running


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


def registered_event(stack: Stack) -> CloudEvent:
    """A ``customer.member.registered`` envelope for a brand-new member."""
    member_id = uuid.uuid4()
    phone = f"138{uuid.uuid4().int % 10**8:08d}"
    cipher = PiiCipher(stack.settings("orders").pii_key.get_secret_value())
    payload = MemberRegistered(
        member_id=member_id,
        card_number=f"8869{uuid.uuid4().int % 10**9:09d}",
        name="韩梅梅",
        phone=phone,
        phone_hash=cipher.phone_hash(phone),
        registered_at=datetime.now(UTC),
    )
    return CloudEvent.of(payload, source="/huiyuan/customer")


@pytest.fixture
async def member(stack: Stack, orders_sessions: Sessions) -> KnownMember:
    event = registered_event(stack)
    async with transaction(orders_sessions) as session:
        await stack.handlers("orders")[event.type](session, event)
    payload = event.payload(MemberRegistered)
    return KnownMember(payload.member_id, payload.card_number, payload.phone)


async def new_store(sessions: Sessions, name: str = "Test store") -> StoreKey:
    async with transaction(sessions) as session:
        store, api_key = await service.create_store(session, name)
    return StoreKey(store.id, api_key)


@pytest.fixture
async def store(orders_sessions: Sessions) -> StoreKey:
    return await new_store(orders_sessions)


@pytest.fixture(scope="module")
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with running(stack.app("orders")) as client:
        yield client
