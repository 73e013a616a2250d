"""Fixtures of the customer tests: the app over the test stack, and fresh phone numbers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select

from services.customer.base import outbox
from services.customer.members.models import Member
from shared.db import Sessions
from tests.stack import Stack, running


def new_phone() -> str:
    """A mainland mobile number no test has used yet, as typed (``139...``)."""
    return f"139{uuid.uuid4().int % 10**8:08d}"


@pytest.fixture(scope="module")
async def customer(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the customer app, its lifespan (relay) running, shared by a module."""
    async with running(stack.app("customer")) as client:
        yield client


async def row_counts(sessions: Sessions) -> tuple[int, int]:
    """How many members and outbox rows the customer schema holds."""
    async with sessions() as session:
        members = await session.scalar(select(func.count()).select_from(Member))
        events = await session.scalar(select(func.count()).select_from(outbox.table))
    return int(members or 0), int(events or 0)
