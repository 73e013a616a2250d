"""A delivery receipt that comes before the dispatcher recorded its send is kept and
applied when the send is recorded, whichever of the two commits first: they share a lock
per message, so one waits for the other. Over the real database, the real HTTP route and
(last) the local gateway posting its receipts at once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from huiyuan.embedded.ports import free_port
from huiyuan.embedded.sms_receipts import Receipts
from services.messaging.config import DEV_SMS_RECEIPT_SECRETS, Settings
from services.messaging.delivery import service
from services.messaging.delivery.schemas import Receipt, ReceiptApplied
from services.messaging.notifications import outcomes
from services.messaging.notifications.domain import Delivered, Outgoing
from services.messaging.notifications.models import Notification
from shared.db import Sessions, transaction
from tests.messaging.conftest import SmtpEndpoint
from tests.messaging.delivery.providers import (
    delivered_through_a_gateway,
    provider_settings,
)
from tests.messaging.delivery.test_receipts import signed
from tests.messaging.rows import insert_notification
from tests.stack import Stack, running

WAIT = 0.5
"""Long enough for a statement that is not blocked to have finished."""


async def leased_sms(sessions: Sessions) -> tuple[Outgoing, datetime]:
    """An SMS the dispatcher has leased (``sending``), and until when."""
    row = await insert_notification(sessions, channel="sms", to="+8613912345678", body="hi")
    until = datetime.now(UTC) + timedelta(minutes=1)
    async with transaction(sessions) as session:
        [leased] = [
            n for n in await outcomes.lease_due(session, 10_000, until) if n.id == row["id"]
        ]
    return leased, until


async def _status(sessions: Sessions, notification_id: uuid.UUID) -> tuple[str, datetime | None]:
    async with sessions() as session:
        row = await session.get(Notification, notification_id, populate_existing=True)
    assert row is not None
    return row.status, row.receipt_at


async def _kept(sessions: Sessions, message_id: str) -> int:
    async with sessions() as session:
        found = await session.scalar(
            text("SELECT count(*) FROM messaging.early_receipts WHERE message_id = :id"),
            {"id": message_id},
        )
    return int(found or 0)


def _at() -> str:
    return datetime.now(UTC).isoformat()


def _receipt(message_id: str, status: str = "delivered") -> Receipt:
    return Receipt.model_validate(
        {"message_id": message_id, "status": status, "at": datetime.now(UTC).isoformat()}
    )


async def test_a_receipt_before_the_send_is_recorded_is_applied_by_the_recording(
    stack: Stack, messaging_sessions: Sessions
) -> None:
    leased, until = await leased_sms(messaging_sessions)
    message_id = uuid.uuid4().hex
    app = stack.app("messaging", **provider_settings(f"http://127.0.0.1:{free_port()}"))
    async with running(app) as client:
        early = await client.post(
            **signed({"message_id": message_id, "status": "failed", "at": _at()})
        )
    assert early.status_code == 200, early.text
    assert early.json() == {"notification_id": None, "status": None, "kept": True}
    assert await _kept(messaging_sessions, message_id) == 1
    assert (await _status(messaging_sessions, leased.id))[0] == "sending"

    async with transaction(messaging_sessions) as session:
        delivered = Delivered(message_id, provider="primary")
        applied = await service.record_sends(session, Settings(), [(leased, delivered)], until)
    assert applied == 1
    status, receipt_at = await _status(messaging_sessions, leased.id)
    assert (status, receipt_at is not None) == ("undelivered", True)
    assert await _kept(messaging_sessions, message_id) == 0


async def test_a_receipt_during_the_recording_waits_for_it_and_finds_the_send(
    messaging_sessions: Sessions,
) -> None:
    leased, until = await leased_sms(messaging_sessions)
    message_id = uuid.uuid4().hex
    async with transaction(messaging_sessions) as recording:
        delivered = Delivered(message_id, provider="primary")
        await service.record_sends(recording, Settings(), [(leased, delivered)], until)

        async def receipt() -> ReceiptApplied:
            async with transaction(messaging_sessions) as session:
                return await service.record_receipt(session, "primary", _receipt(message_id))

        arriving = asyncio.create_task(receipt())
        await asyncio.sleep(WAIT)
        assert not arriving.done()  # it waits for the recording's commit
    applied = await asyncio.wait_for(arriving, timeout=10)
    assert applied.model_dump() == {
        "notification_id": leased.id,
        "status": "delivered",
        "kept": False,
    }
    assert (await _status(messaging_sessions, leased.id))[0] == "delivered"
    assert await _kept(messaging_sessions, message_id) == 0


async def test_a_recording_during_a_receipt_waits_for_it_and_applies_it(
    messaging_sessions: Sessions,
) -> None:
    leased, until = await leased_sms(messaging_sessions)
    message_id = uuid.uuid4().hex
    async with transaction(messaging_sessions) as receiving:
        kept = await service.record_receipt(receiving, "primary", _receipt(message_id))
        assert kept.kept

        async def recording() -> int:
            async with transaction(messaging_sessions) as session:
                delivered = Delivered(message_id, provider="primary")
                return await service.record_sends(session, Settings(), [(leased, delivered)], until)

        recorded = asyncio.create_task(recording())
        await asyncio.sleep(WAIT)
        assert not recorded.done()  # it waits for the receipt's commit
    assert await asyncio.wait_for(recorded, timeout=10) == 1
    assert (await _status(messaging_sessions, leased.id))[0] == "delivered"


async def test_only_the_latest_early_receipt_counts_and_another_providers_stays_kept(
    messaging_sessions: Sessions,
) -> None:
    leased, until = await leased_sms(messaging_sessions)
    message_id = uuid.uuid4().hex
    now = datetime.now(UTC)
    later = Receipt(message_id=message_id, status="delivered", at=now)
    earlier = Receipt(message_id=message_id, status="failed", at=now - timedelta(seconds=5))
    for provider, receipt in (("primary", later), ("primary", earlier), ("fallback", earlier)):
        async with transaction(messaging_sessions) as session:
            await service.record_receipt(session, provider, receipt)
    async with transaction(messaging_sessions) as session:
        delivered = Delivered(message_id, provider="primary")
        await service.record_sends(session, Settings(), [(leased, delivered)], until)
    assert await _status(messaging_sessions, leased.id) == ("delivered", now)
    assert await _kept(messaging_sessions, message_id) == 1  # the fallback's: no such send


async def test_receipts_the_gateway_posts_at_once_all_reach_their_sms(
    stack: Stack, messaging_sessions: Sessions, smtp_server: SmtpEndpoint, tmp_path: Path
) -> None:
    port = free_port()
    receipts = Receipts(
        f"http://127.0.0.1:{port}/webhooks/sms/receipts", DEV_SMS_RECEIPT_SECRETS, delay_seconds=0
    )
    ids = await delivered_through_a_gateway(
        stack,
        messaging_sessions,
        smtp_server.port,
        receipts,
        store_dir=tmp_path / "sms",
        port=port,
        count=20,
    )
    for notification_id in ids:  # nothing left behind for a send that was recorded
        async with messaging_sessions() as session:
            row = await session.get(Notification, notification_id)
        assert row is not None
        assert row.provider_message_id is not None
        assert await _kept(messaging_sessions, row.provider_message_id) == 0
