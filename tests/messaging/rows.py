"""Notifications written straight into the table: as the previous release queued them, or
created on a day long past."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from services.messaging.notifications import repository
from shared.crypto import PiiCipher
from shared.db import Sessions, transaction
from shared.settings import DEV_PII_KEY


async def insert_notification(
    sessions: Sessions,
    *,
    channel: str,
    to: str,
    body: str,
    subject: str | None = None,
    trigger_event_id: str | None = None,
    status: str = "queued",
    created_at: datetime | None = None,
    cost_fen: int | None = None,
    member_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """A tier-upgrade notification to ``to`` (encrypted with the test key) of ``member_id``
    (a new member if None), queued unless ``status`` says otherwise; ``cost_fen`` is what
    the SMS gateway charged."""
    now = datetime.now(UTC)
    row = {
        "id": uuid.uuid4(),
        "member_id": member_id or uuid.uuid4(),
        "channel": channel,
        "template": "tier_upgrade",
        "trigger_event_id": trigger_event_id or uuid.uuid4().hex,
        "status": status,
        "recipient_encrypted": PiiCipher(DEV_PII_KEY).encrypt(to),
        "recipient_masked": "masked",
        "subject": subject,
        "body": body,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": created_at or now,
        "provider_response": None if cost_fen is None else {"cost_fen": cost_fen},
    }
    async with transaction(sessions) as session:
        await repository.insert_notifications(session, [row])
    return row
