"""Notifications written straight into the table, as the previous release queued them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from services.messaging.notifications import repository
from shared.crypto import PiiCipher
from shared.db import Sessions, transaction
from shared.settings import DEV_PII_KEY


async def queue(
    sessions: Sessions,
    *,
    channel: str,
    to: str,
    body: str,
    subject: str | None = None,
    trigger_event_id: str | None = None,
) -> dict[str, Any]:
    """Queue a tier-upgrade notification to ``to`` (encrypted with the test key)."""
    now = datetime.now(UTC)
    row = {
        "id": uuid.uuid4(),
        "member_id": uuid.uuid4(),
        "channel": channel,
        "template": "tier_upgrade",
        "trigger_event_id": trigger_event_id or uuid.uuid4().hex,
        "status": "queued",
        "recipient_encrypted": PiiCipher(DEV_PII_KEY).encrypt(to),
        "recipient_masked": "masked",
        "subject": subject,
        "body": body,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    async with transaction(sessions) as session:
        await repository.insert_notifications(session, [row])
    return row
