from __future__ import annotations

from sqlalchemy import func, select

from services.orders.base import outbox
from services.orders.directory.models import Member
from shared.db import Sessions, transaction
from shared.events.customer import MemberRegistered
from tests.orders.conftest import registered_event
from tests.stack import Stack


async def test_member_registered_adds_a_directory_row(
    stack: Stack, orders_sessions: Sessions
) -> None:
    event = registered_event(stack)
    payload = event.payload(MemberRegistered)
    async with transaction(orders_sessions) as session:
        await stack.handlers("orders")[event.type](session, event)
    async with orders_sessions() as session:
        row = await session.get(Member, payload.member_id)
        assert row is not None
        assert row.card_number == payload.card_number
        assert row.phone_hash == payload.phone_hash
        written = await session.scalar(
            select(func.count())
            .select_from(outbox.table)
            .where(outbox.table.c.key == str(payload.member_id))
        )
        assert written == 0  # learning about a member publishes nothing


async def test_replaying_the_same_envelope_changes_nothing(
    stack: Stack, orders_sessions: Sessions
) -> None:
    event = registered_event(stack)
    member_id = event.payload(MemberRegistered).member_id
    for _ in range(2):
        async with transaction(orders_sessions) as session:
            await stack.handlers("orders")[event.type](session, event)
    async with orders_sessions() as session:
        rows = (
            await session.scalars(select(Member).where(Member.member_id == member_id))  # type: ignore[arg-type]
        ).all()
        assert [(r.card_number, r.phone_hash) for r in rows] == [
            (event.data["card_number"], event.data["phone_hash"])
        ]
