"""A real customer service for the tests of the services that read members' contacts from
it (messaging, loyalty): events carry member ids only, so their consumers ask customer's
``GET /members/{id}/contact`` over HTTP.

:func:`customer_contacts` (a conftest imports it) serves the customer app over HTTP on a
free port, reading the test stack's customer database, and points every service's
``customer_url`` at it (``HUIYUAN_CUSTOMER_URL``, read by the settings
made meanwhile). :func:`put_member` writes a member into that database with the id a test
chose, as customer stores it, so the test can then hand a consumer the event about it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert

from services.customer.members.models import Member
from shared import codes
from shared.crypto import PiiCipher
from shared.db import Sessions, create_engine, create_sessions, transaction
from shared.kafka import Publisher
from shared.service_app import Runtime, build_app
from shared.settings import DEV_PII_KEY
from tests.server import serving
from tests.stack import Stack

CUSTOMER_URL = "HUIYUAN_CUSTOMER_URL"
CIPHER = PiiCipher(DEV_PII_KEY)
"""The test stack's PII key (the development one), as customer encrypts with it."""

MEMBERS = Member.__table__  # type: ignore[attr-defined]

_customer: list[Sessions] = []
"""The customer database the served app reads, while :func:`customer_contacts` runs."""


@asynccontextmanager
async def contact_server(stack: Stack) -> AsyncIterator[str]:
    """Customer's routes over HTTP on a free port (yields the base URL), without its relay
    and consumer: only its requests, so nothing it does competes with a test's own
    customer app for events."""
    settings = stack.settings("customer")
    app = build_app(stack.spec("customer"))
    engine = create_engine(settings)
    sessions = create_sessions(engine)
    app.state.runtime = Runtime(
        settings, engine, sessions, Publisher(settings.kafka_bootstrap_servers)
    )
    _customer.append(sessions)
    try:
        async with serving(app, lifespan="off") as url:
            yield url
    finally:
        _customer.remove(sessions)
        await engine.dispose()


@pytest.fixture(scope="session", autouse=True)
async def customer_contacts(stack: Stack) -> AsyncIterator[str]:
    """The customer service messaging and loyalty read contacts from, for the tests of the
    packages whose conftest imports it; for the rest of the session once started, so the
    URL stays good in the settings made meanwhile."""
    async with contact_server(stack) as url:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(CUSTOMER_URL, url)
            yield url


async def put_member(
    member_id: uuid.UUID,
    *,
    phone: str,
    name: str = "李雷",
    email: str | None = None,
    birthday: date | None = None,
    locale: str = "zh-CN",
) -> None:
    """Member ``member_id`` as customer stores it (its contact encrypted), made or, for an
    id already there, replaced (a profile edit): what ``GET /members/{id}/contact`` then
    answers. Its card number, phone lookup hash and referral code are its own (tests reuse
    numbers freely)."""
    if not _customer:
        raise RuntimeError("put_member needs the customer_contacts fixture")
    unique = hashlib.sha256(member_id.bytes).hexdigest()
    contact = {
        "name": name,
        "phone_encrypted": CIPHER.encrypt(phone),
        "email_encrypted": CIPHER.encrypt(email) if email else None,
        "birthday": birthday,
        "locale": locale,
        "updated_at": datetime.now(UTC),
    }
    statement = insert(MEMBERS).values(
        id=member_id,
        card_number=f"T{unique[:30]}",
        phone_hash=unique,
        referral_code=codes.new_code(),
        created_at=contact["updated_at"],
        **contact,
    )
    async with transaction(_customer[0]) as session:
        await session.execute(statement.on_conflict_do_update(index_elements=["id"], set_=contact))


async def edit_member(
    member_id: uuid.UUID,
    *,
    phone: str | None = None,
    name: str | None = None,
    email: str | None = None,
    birthday: date | None = None,
    locale: str | None = None,
    fields: tuple[str, ...] = (),
) -> None:
    """A profile edit at customer: each of ``fields`` (``name``, ``phone``, ``email``,
    ``birthday``, ``locale``) set to the value given (``None``: removed)."""
    given: dict[str, object] = {"name": name, "birthday": birthday, "locale": locale}
    given["phone_encrypted"] = CIPHER.encrypt(phone) if phone else None
    given["email_encrypted"] = CIPHER.encrypt(email) if email else None
    stored = {"phone": "phone_encrypted", "email": "email_encrypted"}
    values = {stored.get(field, field): given[stored.get(field, field)] for field in fields}
    if not _customer:
        raise RuntimeError("edit_member needs the customer_contacts fixture")
    async with transaction(_customer[0]) as session:
        await session.execute(
            update(MEMBERS)
            .where(MEMBERS.c.id == member_id)
            .values(updated_at=datetime.now(UTC), **values)
        )
