"""The erasure search (issue 18 item 5's proof), over the real PostgreSQL and broker and
the real providers: a member with a distinctive name, phone and email registers, buys,
gets SMS and email, replies to an SMS, signs in by code, heads a household and has a
ticket; then erases themself. Once every service has applied ``customer.member.erased``,
every row of every table of every service's schema (outbox rows, dead letters, inboxes
and idempotent answers included), every log record of the run and every message on every
broker topic from the beginning are searched for the name, the phone (E.164 and national)
and the email: none may be found.

Outside the search: the local SMS gateway's and mail catcher's stores and logs, which
stand in for the providers (what a provider keeps of a message it delivered is theirs,
not the product's). The logs searched are every record the five services' processes
logged at INFO and above during the test (in-process apps log to the test's handler, not
to files).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from services.customer.base import outbox
from shared.crypto import PiiCipher
from shared.db import Sessions, asyncpg_dsn
from shared.settings import DEV_PII_KEY
from tests.e2e.conftest import System
from tests.e2e.test_opt_out_flow import _reply
from tests.e2e.test_purchase_flow import ADMIN, _ok, _program, _purchase, _store_key
from tests.signin_codes import code_envelopes
from tests.stack import eventually, staff_headers

CIPHER = PiiCipher(DEV_PII_KEY)
DESK = staff_headers("service")
CONSUMERS = ("orders", "loyalty", "messaging", "analytics")
PROVIDERS_LOGGERS = ("mail.log", "huiyuan.embedded")
"""The loggers of the providers' stand-ins (the SMTP server under the mail catcher, the
local gateway): what a provider logs is theirs."""


def _needles(member: dict[str, Any]) -> dict[str, str]:
    national = member["phone"].removeprefix("+86")
    return {
        "name": member["name"],
        "phone (E.164)": member["phone"],
        "phone (national)": national,
        "phone (spaced)": f"{national[:3]} {national[3:7]} {national[7:]}",
        "email": member["email"],
    }


def _found(text: str, needles: dict[str, str]) -> list[str]:
    return [what for what, needle in needles.items() if needle in text]


async def _register(system: System, name: str) -> dict[str, Any]:
    phone = f"136{uuid.uuid4().int % 10**8:08d}"
    email = f"erase-{uuid.uuid4().hex[:10]}@example.com"
    body = {
        "name": name,
        "phone": phone,
        "email": email,
        "birthday": "1991-03-08",
        "locale": "zh-CN",
        "consent": {"sms": True, "email": True},
    }
    created = _ok(await system["customer"].post("/members", json=body, headers=ADMIN), 201)
    return {**created, "name": name, "phone": f"+86{phone}", "email": email}


async def _signed_in(system: System, customer: Sessions, phone: str) -> dict[str, str]:
    """The member signs in with the code messaging sent them by SMS; their bearer."""
    asked = await system["customer"].post(
        "/auth/sms-codes", json={"phone": phone, "purpose": "sign_in"}
    )
    _ok(asked, 202)
    (envelope,) = await code_envelopes(customer, phone)
    data = envelope["data"]
    code = CIPHER.decrypt(data["code_encrypted"])

    async def texted() -> bool:
        return any(code in m.text for m in system.providers.inbox().sms if m.to == phone)

    await eventually(texted, timeout=20)
    pair = _ok(
        await system["customer"].post("/auth/sessions", json={"phone": phone, "code": code}), 201
    )
    return {"Authorization": f"Bearer {pair['access_token']}"}


async def _lived(system: System, customer: Sessions) -> tuple[dict[str, Any], dict[str, str]]:
    """A member who used the product; they and their bearer."""
    await _program(system)
    key = await _store_key(system)
    member = await _register(system, f"欧阳娜娜{uuid.uuid4().hex[:6]}")
    partner = await _register(system, "欧阳家人")

    async def welcomed() -> bool:
        inbox = system.providers.inbox()
        sms = [m for m in inbox.sms if m.to == member["phone"]]
        emails = [m for m in inbox.emails if member["email"] in m.rcpt_tos]
        return bool(sms) and bool(emails)

    await eventually(welcomed, timeout=30)
    await _purchase(system, key, member, 12_800)
    await _reply(system, member["phone"], f"我是{member['name']}，电话 {member['phone']}")
    household = _ok(
        await system["customer"].post(
            "/households", json={"head_card_number": member["card_number"]}, headers=DESK
        ),
        201,
    )
    _ok(
        await system["customer"].post(
            f"/households/{household['id']}/members",
            json={"card_number": partner["card_number"]},
            headers=DESK,
        ),
        201,
    )
    _ok(
        await system["customer"].post(
            "/tickets",
            json={
                "kind": "complaint",
                "channel": "hotline",
                "member_id": member["id"],
                "description": f"{member['name']} ({member['email']}) 没收到积分短信",
            },
            headers=DESK | {"Idempotency-Key": f"e2e-{uuid.uuid4()}"},
        ),
        201,
    )
    return member, await _signed_in(system, customer, member["phone"])


async def _applied_everywhere(system: System, event_id: str) -> None:
    """Waits until every consuming service's inbox holds the erasure's event."""
    connection = await asyncpg.connect(asyncpg_dsn(system.stack.admin_url))
    try:

        async def applied() -> bool:
            for service in CONSUMERS:
                found = await connection.fetchval(
                    f"SELECT count(*) FROM {service}.inbox WHERE event_id = $1", event_id
                )
                if not found:
                    return False
            return True

        await eventually(applied, timeout=30)
    finally:
        await connection.close()


async def _rows_with(system: System, needles: dict[str, str]) -> list[str]:
    """``schema.table: what`` for every row of every service's tables holding a needle."""
    hits: list[str] = []
    connection = await asyncpg.connect(asyncpg_dsn(system.stack.admin_url))
    try:
        for schema in system.stack.database_urls:
            tables = await connection.fetch(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
                schema,
            )
            for (table,) in tables:
                rows = await connection.fetch(f'SELECT t::text FROM "{schema}"."{table}" t')
                for (row,) in rows:
                    hits += [f"{schema}.{table}: {what}" for what in _found(row, needles)]
    finally:
        await connection.close()
    return sorted(set(hits))


async def _broker_texts(bootstrap_servers: str) -> list[tuple[str, str]]:
    """Every record on every topic, from the beginning: (topic, key and value as text)."""
    reader = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers, enable_auto_commit=False, group_id=None
    )
    await reader.start()
    try:
        topics = sorted(t for t in await reader.topics() if not t.startswith("__"))
        partitions: Sequence[TopicPartition] = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(reader.partitions_for_topic(topic) or ())
        ]
        reader.assign(list(partitions))
        await reader.seek_to_beginning(*partitions)
        texts: list[tuple[str, str]] = []
        idle = 0
        while idle < 3:
            batch = await reader.getmany(timeout_ms=500, max_records=5000)
            idle = 0 if batch else idle + 1
            for tp, records in batch.items():
                texts += [
                    (tp.topic, (r.key or b"").decode(errors="replace") + " " + _text(r.value))
                    for r in records
                ]
        return texts
    finally:
        await reader.stop()


def _text(value: bytes | None) -> str:
    # JSON escapes non-ASCII (a name in Chinese) unless written raw: read it both ways
    raw = (value or b"").decode(errors="replace")
    try:
        return raw + " " + raw.encode().decode("unicode_escape")
    except UnicodeDecodeError:
        return raw


async def _exported(system: System, member: dict[str, Any], bearer: dict[str, str]) -> None:
    """The member's own export holds every service's part of what they did."""

    async def earned() -> bool:  # loyalty and analytics consumed the purchase
        answer = await system["customer"].get(f"/members/{member['id']}/export", headers=bearer)
        body = answer.json()
        return (
            answer.status_code == 200
            and bool(body["loyalty"]["ledger"])
            and bool(body["analytics"]["summary"])
        )

    await eventually(earned, timeout=20)
    document = _ok(await system["customer"].get(f"/members/{member['id']}/export", headers=bearer))
    assert document["member_id"] == member["id"]
    customer = document["customer"]
    assert (customer["profile"]["name"], customer["profile"]["phone"]) == (
        member["name"],
        member["phone"],
    )
    assert customer["household"]["head_member_id"] == member["id"]
    assert member["email"] in customer["tickets"][0]["description"]
    assert {c["channel"] for c in customer["consent_history"]} >= {"sms", "email"}
    assert [p["total_fen"] for p in document["orders"]["purchases"]] == [12_800]
    assert document["loyalty"]["loyalty"]["balance"] > 0
    assert {n["channel"] for n in document["messaging"]["notifications"]} == {"sms", "email"}
    assert document["analytics"]["summary"]["purchase_count"] == 1


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    return caplog


async def test_an_erased_member_is_found_nowhere(
    system: System, customer_sessions: Sessions, logs: pytest.LogCaptureFixture
) -> None:
    member, bearer = await _lived(system, customer_sessions)
    needles = _needles(member)
    assert await _rows_with(system, needles)  # the search finds what is there
    await _exported(system, member, bearer)

    erased = await system["customer"].post(
        f"/members/{member['id']}/erasure",
        headers=bearer | {"Idempotency-Key": f"e2e-{uuid.uuid4()}"},
    )
    _ok(erased, 202)
    async with customer_sessions() as session:
        event_id = await session.scalar(
            outbox.table.select()
            .with_only_columns(outbox.table.c.event_id)
            .where(
                outbox.table.c.key == member["id"],
                outbox.table.c.event_type == "customer.member.erased",
            )
        )
    assert event_id is not None
    await _applied_everywhere(system, event_id)
    for path in (f"/members/{member['id']}", f"/members/{member['id']}/export"):
        gone = await system["customer"].get(path, headers=ADMIN)
        assert gone.status_code == 410, gone.text

    assert await _rows_with(system, needles) == []
    logged = [
        f"{r.name}: {what}"
        for r in logs.records
        if not r.name.startswith(PROVIDERS_LOGGERS)
        for what in _found(r.getMessage() + (r.exc_text or ""), needles)
    ]
    assert logged == []


async def test_no_broker_topic_holds_an_erased_member(
    system: System, customer_sessions: Sessions
) -> None:
    member, bearer = await _lived(system, customer_sessions)
    needles = _needles(member)
    _ok(
        await system["customer"].post(
            f"/members/{member['id']}/erasure",
            headers=bearer | {"Idempotency-Key": f"e2e-{uuid.uuid4()}"},
        ),
        202,
    )
    await asyncio.sleep(1)  # the relays publish what the erasure queued
    found = {
        f"{topic}: {what}"
        for topic, text in await _broker_texts(system.stack.bootstrap_servers)
        for what in _found(text, needles)
    }
    assert found == set()
