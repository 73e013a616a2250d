"""What orders consumes: who the members are, so stores can name them by card or phone
(a reissued card, a deactivation or reactivation change that; an erasure ends it)."""

from __future__ import annotations

from services.orders.config import Settings
from services.orders.directory import service as directory
from services.orders.privacy import service as privacy
from shared.db import AsyncSession
from shared.events import CloudEvent
from shared.events.customer import (
    MemberCardReissued,
    MemberDeactivated,
    MemberErased,
    MemberReactivated,
    MemberRegistered,
    MemberUpdated,
)
from shared.inbox import Handler, HandlerContext

Context = HandlerContext[Settings]


async def on_member_registered(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await directory.record_member(session, event.payload(MemberRegistered))


async def on_member_updated(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await directory.record_member_update(session, event.payload(MemberUpdated))


async def on_card_reissued(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await directory.record_card_reissue(session, event.payload(MemberCardReissued))


async def on_member_deactivated(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await directory.record_deactivation(session, event.payload(MemberDeactivated))


async def on_member_reactivated(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await directory.record_reactivation(session, event.payload(MemberReactivated))


async def on_member_erased(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await privacy.erase(session, event.payload(MemberErased))


HANDLERS: dict[str, Handler[Context]] = {
    MemberRegistered.event_type: on_member_registered,
    MemberUpdated.event_type: on_member_updated,
    MemberCardReissued.event_type: on_card_reissued,
    MemberDeactivated.event_type: on_member_deactivated,
    MemberReactivated.event_type: on_member_reactivated,
    MemberErased.event_type: on_member_erased,
}
