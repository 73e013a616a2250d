"""Use cases of consent records. They flush, never commit: the caller owns the
transaction, so consent and its record change together."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Literal

from services.customer.consents import repository
from services.customer.consents.schemas import (
    ChannelConsentRecord,
    ConsentChangeOut,
    ConsentHistory,
    ConsentRecords,
)
from services.customer.history.domain import Actor
from shared.db import AsyncSession

MessageClass = Literal["channel", "marketing"]
"""What a consent record is about: the channel itself, or marketing messages on it."""


async def record(
    session: AsyncSession,
    member_id: uuid.UUID,
    consent: Mapping[str, bool],
    *,
    by: Actor,
    at: datetime,
    privacy_policy_version: str,
    message_class: MessageClass = "channel",
) -> None:
    """Records the consent of each channel in ``consent`` (``{"sms": True}``) to
    ``message_class`` as given or withdrawn by ``by`` at ``at`` under
    ``privacy_policy_version``; pass only the channels that changed (and both at
    registration)."""
    await repository.put(
        session,
        [
            {
                "member_id": member_id,
                "channel": channel,
                "message_class": message_class,
                "consented": consented,
                "changed_at": at,
                "changed_by": by.kind,
                "actor": by.subject,
                "privacy_policy_version": privacy_policy_version,
            }
            for channel, consented in consent.items()
        ],
    )


async def record_imported(session: AsyncSession, member_ids: Sequence[uuid.UUID]) -> None:
    """Records the consent the import gave the members ``member_ids``, by ``import``."""
    await repository.put_imported(session, member_ids)


async def records_of(session: AsyncSession, member_id: uuid.UUID) -> ConsentRecords:
    """The member's consent record per channel, and per channel to marketing."""
    records: dict[str, dict[str, ChannelConsentRecord]] = {"channel": {}, "marketing": {}}
    for row in await repository.of_member(session, member_id):
        records[row.message_class][row.channel] = ChannelConsentRecord.model_validate(
            {
                "consented": row.consented,
                "changed_at": row.changed_at,
                "changed_by": row.changed_by,
                "actor": row.actor,
                "privacy_policy_version": row.privacy_policy_version,
            }
        )
    return ConsentRecords.model_validate(records["channel"] | {"marketing": records["marketing"]})


async def history(
    session: AsyncSession, member_id: uuid.UUID, limit: int, before: int | None
) -> ConsentHistory:
    """Every change of the member's consent records, latest first, ``limit`` at a time older
    than the position ``before`` (``next_cursor`` of the previous page). Changes made before
    the history was kept start with the record each channel had then."""
    rows = await repository.changes(session, member_id, limit + 1, before)
    last = rows[limit - 1] if len(rows) > limit else None
    return ConsentHistory(
        items=[
            ConsentChangeOut.model_validate(
                {
                    "channel": row.channel,
                    "message_class": row.message_class,
                    "consented": row.consented,
                    "changed_at": row.changed_at,
                    "changed_by": row.changed_by,
                    "actor": row.actor,
                    "privacy_policy_version": row.privacy_policy_version,
                }
            )
            for row in rows[:limit]
        ],
        next_cursor=str(last.seq) if last else None,
    )
