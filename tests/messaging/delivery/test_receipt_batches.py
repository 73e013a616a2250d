"""Delivery receipts in batches (``POST /webhooks/sms/receipts/{provider}/batch``): each
receipt of a batch does what the single route does with it, in one transaction of a fixed
number of statements; a batch that is not one is refused whole; and the local gateway
posts its receipts in batches."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text

from huiyuan.embedded.ports import free_port
from huiyuan.embedded.sms_receipts import Receipts
from services.messaging.config import DEV_SMS_RECEIPT_SECRETS, Settings
from services.messaging.delivery import service
from services.messaging.delivery.schemas import MAX_RECEIPTS, Receipt, ReceiptApplied
from services.messaging.notifications.domain import Delivered
from shared.db import Sessions, transaction
from tests.loyalty.statements import engine_of, statements
from tests.messaging.conftest import SmtpEndpoint
from tests.messaging.delivery.providers import delivered_through_a_gateway
from tests.messaging.delivery.test_early_receipts import WAIT, leased_sms
from tests.messaging.delivery.test_receipts import (
    PATH,
    messaging_app,
    sent_sms,
    signed,
    stored_sms,
)
from tests.stack import Stack, running

T = datetime(2026, 11, 30, 13, 5, 9, tzinfo=UTC)
SEQUENCE = [
    ("a", "delivered", T),
    ("b", "failed", T),
    ("a", "delivered", T),  # a repeat
    ("b", "delivered", T - timedelta(minutes=1)),  # older than the one applied
    ("c", "unknown", T),  # records its time only
    ("nobody", "delivered", T),  # no recorded SMS has it: kept
    ("c", "failed", T + timedelta(seconds=1)),
    ("nobody", "failed", T - timedelta(seconds=1)),  # older than the one kept
]
"""Receipts of three sent SMS (``a``, ``b``, ``c``) and of a message id none has."""
EXPECTED = [
    ("a", "delivered", False),
    ("b", "undelivered", False),
    ("a", "delivered", False),
    ("b", "undelivered", False),
    ("c", "sent", False),
    (None, None, True),
    ("c", "undelivered", False),
    (None, None, True),
]


async def _sms(sessions: Sessions) -> dict[str, dict[str, Any]]:
    """Three sent SMS of ``primary`` and a message id of none, by their names in
    :data:`SEQUENCE`."""
    found = {name: await sent_sms(sessions) for name in ("a", "b", "c")}
    return found | {"nobody": {"id": None, "message_id": uuid.uuid4().hex}}


def _receipts(sms: dict[str, dict[str, Any]]) -> list[dict[str, str]]:
    return [
        {"message_id": sms[name]["message_id"], "status": status, "at": at.isoformat()}
        for name, status, at in SEQUENCE
    ]


def _named(sms: dict[str, dict[str, Any]], answers: list[dict[str, Any]]) -> list[Any]:
    """The answers with each notification id replaced by its SMS's name."""
    names = {str(row["id"]): name for name, row in sms.items()}
    return [(names.get(a["notification_id"]), a["status"], a["kept"]) for a in answers]


async def _outcome(sessions: Sessions, sms: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Each SMS's status and receipt time, and what is kept for the unknown id."""
    outcome: dict[str, Any] = {}
    for name in ("a", "b", "c"):
        row = await stored_sms(sessions, sms[name]["id"])
        outcome[name] = (row.status, row.receipt_at)
    async with sessions() as session:
        kept = await session.execute(
            text("SELECT status, at FROM messaging.early_receipts WHERE message_id = :id"),
            {"id": sms["nobody"]["message_id"]},
        )
    outcome["nobody"] = [tuple(row) for row in kept]
    return outcome


async def test_a_batch_applies_each_receipt_as_the_single_route_does_one_by_one(
    stack: Stack, messaging_sessions: Sessions
) -> None:
    batched, one_by_one = await _sms(messaging_sessions), await _sms(messaging_sessions)
    async with running(messaging_app(stack)) as client:
        batch = await client.post(**signed(_receipts(batched), route="/batch"))
        singles = [await client.post(**signed(r)) for r in _receipts(one_by_one)]

    assert batch.status_code == 200, batch.text
    assert [s.status_code for s in singles] == [200] * len(SEQUENCE)
    assert _named(batched, batch.json()) == EXPECTED
    assert _named(one_by_one, [s.json() for s in singles]) == EXPECTED
    outcome = await _outcome(messaging_sessions, batched)
    assert outcome == await _outcome(messaging_sessions, one_by_one)
    assert outcome == {
        "a": ("delivered", T),
        "b": ("undelivered", T),
        "c": ("undelivered", T + timedelta(seconds=1)),
        "nobody": [("delivered", T)],
    }


async def test_a_receipt_kept_in_a_batch_is_applied_when_its_send_is_recorded(
    stack: Stack, messaging_sessions: Sessions
) -> None:
    leased, until = await leased_sms(messaging_sessions)
    other = await sent_sms(messaging_sessions)
    early = uuid.uuid4().hex
    receipts = [
        {"message_id": early, "status": "failed", "at": T.isoformat()},
        {"message_id": other["message_id"], "status": "delivered", "at": T.isoformat()},
    ]
    async with running(messaging_app(stack)) as client:
        answer = await client.post(**signed(receipts, route="/batch"))
    assert answer.status_code == 200, answer.text
    assert [a["kept"] for a in answer.json()] == [True, False]

    async with transaction(messaging_sessions) as session:
        delivered = Delivered(early, provider="primary")
        assert await service.record_sends(session, Settings(), [(leased, delivered)], until) == 1
    assert (await stored_sms(messaging_sessions, leased.id)).status == "undelivered"
    assert (await stored_sms(messaging_sessions, other["id"])).status == "delivered"


async def test_a_batch_during_the_recording_of_its_sends_waits_for_it_and_finds_them(
    messaging_sessions: Sessions,
) -> None:
    leased = [await leased_sms(messaging_sessions) for _ in range(2)]
    ids = [uuid.uuid4().hex for _ in leased]
    async with transaction(messaging_sessions) as recording:
        for (sms, until), message_id in zip(leased, ids, strict=True):
            delivered = Delivered(message_id, provider="primary")
            await service.record_sends(recording, Settings(), [(sms, delivered)], until)

        async def batch() -> list[ReceiptApplied]:
            async with transaction(messaging_sessions) as session:
                receipts = [Receipt(message_id=m, status="delivered", at=T) for m in ids[::-1]]
                return await service.record_receipts(session, "primary", receipts)

        arriving = asyncio.create_task(batch())
        await asyncio.sleep(WAIT)
        assert not arriving.done()  # it waits for the recording's commit
    applied = await asyncio.wait_for(arriving, timeout=10)
    assert [(a.notification_id, a.status, a.kept) for a in applied] == [
        (sms.id, "delivered", False) for sms, _ in leased[::-1]
    ]


STATEMENTS_APPLIED = 3
"""A batch whose receipts all find their SMS: the messages' locks (one statement, in one
order), the SMS read and locked, the changed ones written. Before batches, each receipt was
its own request and transaction of two to four."""
STATEMENTS_KEPT = 2
"""More when some are kept: the kept receipts written, the stale ones deleted."""


@pytest.mark.parametrize("size", [1, 40])
async def test_a_batch_is_the_same_statements_however_long(
    messaging_sessions: Sessions, size: int
) -> None:
    rows = [await sent_sms(messaging_sessions) for _ in range(size)]
    found = [Receipt(message_id=r["message_id"], status="delivered", at=T) for r in rows]
    unknown = [Receipt(message_id=uuid.uuid4().hex, status="failed", at=T) for _ in range(size)]
    later = [r.model_copy(update={"at": T + timedelta(seconds=1)}) for r in found]
    counted = []
    for batch in (found, later + found[::-1] + unknown):
        async with transaction(messaging_sessions) as session:
            with statements(engine_of(messaging_sessions)) as sent_statements:
                await service.record_receipts(session, "primary", batch)
        counted.append(sent_statements)

    assert [len(c) for c in counted] == [
        STATEMENTS_APPLIED,
        STATEMENTS_APPLIED + STATEMENTS_KEPT,
    ], counted
    assert "pg_advisory_xact_lock" in counted[0][0]


def _valid(message_id: str) -> dict[str, str]:
    return {"message_id": message_id, "status": "delivered", "at": T.isoformat()}


@pytest.mark.parametrize(
    ("bad", "location"),
    [
        pytest.param({"status": "lost"}, "body.2.status", id="status"),
        pytest.param({"at": "2026-11-30T12:00:00"}, "body.2.at", id="naive-time"),
        pytest.param({"message_id": ""}, "body.2.message_id", id="empty-id"),
    ],
)
async def test_a_batch_with_a_receipt_that_is_not_one_is_422_naming_it_and_applies_nothing(
    stack: Stack, messaging_sessions: Sessions, bad: dict[str, str], location: str
) -> None:
    row = await sent_sms(messaging_sessions)
    receipts = [_valid(row["message_id"]), _valid(uuid.uuid4().hex), _valid("m") | bad]
    async with running(messaging_app(stack)) as client:
        answer = await client.post(**signed(receipts, route="/batch"))

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert [e["location"] for e in answer.json()["errors"]] == [location]
    assert (await stored_sms(messaging_sessions, row["id"])).status == "sent"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        pytest.param([], "at least 1", id="empty"),
        pytest.param(
            [_valid(f"m{n}") for n in range(MAX_RECEIPTS + 1)], f"at most {MAX_RECEIPTS}", id="long"
        ),
        pytest.param(_valid("m"), "list", id="not-an-array"),
    ],
)
async def test_a_batch_that_is_not_one_is_422_naming_the_body(
    stack: Stack, body: Any, says: str
) -> None:
    async with running(messaging_app(stack)) as client:
        answer = await client.post(**signed(body, route="/batch"))

    assert answer.status_code == 422, answer.text
    [error] = answer.json()["errors"]
    assert error["location"] == "body"
    assert says in error["message"]


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(
            lambda a: a | {"headers": {"content-type": "application/json"}}, id="unsigned"
        ),
        pytest.param(lambda a: a | {"url": f"{PATH}/fallback/batch"}, id="other-provider-s-secret"),
        pytest.param(
            lambda a: a | {"content": a["content"].replace("delivered", "failed")}, id="tampered"
        ),
    ],
)
async def test_a_forged_batch_is_401_and_changes_nothing(
    stack: Stack, messaging_sessions: Sessions, forge: Any
) -> None:
    row = await sent_sms(messaging_sessions)
    async with running(messaging_app(stack)) as client:
        answer = await client.post(**forge(signed([_valid(row["message_id"])], route="/batch")))

    assert answer.status_code == 401, answer.text
    assert answer.json()["type"] == "urn:huiyuan:problem:callback-not-signed"
    assert (await stored_sms(messaging_sessions, row["id"])).status == "sent"


def _posts(route: str) -> float:
    """Receipt requests messaging answered 200 on ``route``, in this process so far."""
    labels = {"service": "messaging", "method": "POST", "route": route, "status": "200"}
    return REGISTRY.get_sample_value("huiyuan_http_request_seconds_count", labels) or 0.0


async def test_the_gateway_posts_its_receipts_in_batches(
    stack: Stack, messaging_sessions: Sessions, smtp_server: SmtpEndpoint, tmp_path: Path
) -> None:
    port, count, size = free_port(), 25, 10
    receipts = Receipts(
        f"http://127.0.0.1:{port}{PATH}",
        DEV_SMS_RECEIPT_SECRETS,
        delay_seconds=0.2,
        batch_size=size,
        linger_seconds=1.0,
    )
    batch_route, single_route = f"{PATH}/{{provider}}/batch", f"{PATH}/{{provider}}"
    before = _posts(batch_route), _posts(single_route)
    await delivered_through_a_gateway(
        stack,
        messaging_sessions,
        smtp_server.port,
        receipts,
        store_dir=tmp_path / "sms",
        port=port,
        count=count,
    )

    batches = _posts(batch_route) - before[0]
    assert _posts(single_route) == before[1]
    # at most `size` a batch; the dispatcher sends all 25 well within the linger of 1 s
    # on a quiet machine, in at most a few seconds on a loaded one
    assert -(-count // size) <= batches <= count // 2, batches
