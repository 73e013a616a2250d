"""Members messaging knows, registered through its handlers, for the broadcast tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.events.customer import (
    ChannelConsent,
    MemberCardReissued,
    MemberRegistered,
    MemberUpdated,
)
from shared.inbox import Handlers
from tests.contacts import put_member
from tests.messaging import events


@dataclass(frozen=True)
class Member:
    id: uuid.UUID
    phone: str
    card_number: str


async def register(
    sessions: Sessions,
    handlers: Handlers,
    count: int,
    *,
    marketing: bool = True,
    tags: tuple[uuid.UUID, ...] = (),
) -> list[Member]:
    """``count`` new members with SMS and email consent (marketing too, if ``marketing``), a card
    number of their own and ``tags``, made at customer and registered as customer publishes
    them."""
    members = [
        Member(uuid.uuid4(), events.phone(), f"T{uuid.uuid4().int % 10**15:015d}")
        for _ in range(count)
    ]
    for member in members:
        await put_member(member.id, phone=member.phone, email="lilei@example.com")
        payload = MemberRegistered(
            member_id=member.id,
            card_number=member.card_number,
            phone_hash="not-used-by-messaging",
            consent=ChannelConsent(sms=True, email=True),
            marketing=ChannelConsent(sms=marketing, email=marketing),
            registered_at=datetime.now(UTC),
        )
        await _apply(sessions, handlers, CloudEvent.of(payload, source="/huiyuan/customer"))
        if tags:
            await retag(sessions, handlers, member.id, added=tags)
    return members


async def retag(
    sessions: Sessions,
    handlers: Handlers,
    member_id: uuid.UUID,
    *,
    added: tuple[uuid.UUID, ...] = (),
    removed: tuple[uuid.UUID, ...] = (),
) -> None:
    payload = MemberUpdated(
        member_id=member_id,
        changed=("tags",),
        tags_added=added,
        tags_removed=removed,
        updated_at=datetime.now(UTC),
    )
    await _apply(sessions, handlers, CloudEvent.of(payload, source="/huiyuan/customer"))


async def _apply(sessions: Sessions, handlers: Handlers, event: CloudEvent) -> None:
    async with transaction(sessions) as session:
        await handlers[event.type](session, event)


async def reissue(sessions: Sessions, handlers: Handlers, member: Member) -> str:
    """The member's lost card replaced; the new card number."""
    card = f"R{uuid.uuid4().int % 10**15:015d}"
    payload = MemberCardReissued(
        member_id=member.id,
        card_number=card,
        previous_card_number=member.card_number,
        reissued_at=datetime.now(UTC),
    )
    await _apply(sessions, handlers, CloudEvent.of(payload, source="/huiyuan/customer"))
    return card
