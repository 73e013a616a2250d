"""The seeds' four-tier program, and envelopes and helpers for loyalty tests.

The program is global and the database is shared, so every loyalty test runs against
this one ladder (the same one the e2e tests and ``huiyuan demo`` set).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from services.loyalty import service
from services.loyalty.main import spec
from services.loyalty.models import Account, LedgerEntry, inbox, outbox
from services.loyalty.schemas import EarningRuleIn, TierIn
from shared.consumer import EventConsumer
from shared.db import Sessions, create_engine, create_sessions, transaction
from shared.events import CloudEvent
from shared.events.orders import PurchaseCompleted, PurchaseLine, PurchaseReturned, ReturnedLine
from tests.stack import Stack

LADDER = [
    TierIn(code="standard", name="普通会员", threshold_fen=0),
    TierIn(code="vip", name="VIP贵宾", threshold_fen=100_000),
    TierIn(code="star", name="VIP健康之星", threshold_fen=500_000),
    TierIn(code="angel", name="VIP健康天使", threshold_fen=2_000_000),
]
RULE = EarningRuleIn(
    points_per_yuan=1,
    tier_multipliers_percent={"standard": 100, "vip": 120, "star": 150, "angel": 200},
)


@pytest.fixture(scope="session", autouse=True)
async def seeds_program(stack: Stack) -> None:
    engine = create_engine(stack.settings("loyalty"))
    async with transaction(create_sessions(engine)) as session:
        await service.replace_ladder(session, LADDER)
        await service.set_earning_rule(session, RULE)
    await engine.dispose()


def purchase_event(
    member_id: uuid.UUID, total_fen: int, purchase_id: uuid.UUID | None = None
) -> CloudEvent:
    payload = PurchaseCompleted(
        purchase_id=purchase_id or uuid.uuid4(),
        member_id=member_id,
        store_id=uuid.uuid4(),
        lines=(
            PurchaseLine(
                line_no=1,
                sku="HP-FISHOIL-60",
                category="health",
                quantity=1,
                unit_price_fen=total_fen,
                amount_fen=total_fen,
            ),
        ),
        total_fen=total_fen,
        purchased_at=datetime.now(UTC),
    )
    return CloudEvent.of(payload, source="/huiyuan/orders")


def return_event(
    member_id: uuid.UUID, purchase_id: uuid.UUID, amount_fen: int, purchase_total_fen: int
) -> CloudEvent:
    payload = PurchaseReturned(
        return_id=uuid.uuid4(),
        purchase_id=purchase_id,
        member_id=member_id,
        store_id=uuid.uuid4(),
        lines=(
            ReturnedLine(
                line_no=1, sku="HP-FISHOIL-60", category="health", quantity=1, amount_fen=amount_fen
            ),
        ),
        amount_fen=amount_fen,
        purchase_total_fen=purchase_total_fen,
        returned_at=datetime.now(UTC),
    )
    return CloudEvent.of(payload, source="/huiyuan/orders")


# loyalty's handlers use nothing of their context, so default settings do
HANDLERS = spec().bound_handlers


def event_consumer(sessions: Sessions) -> EventConsumer:
    """Loyalty's consumer runner, fed by hand with ``apply`` (no broker)."""
    return EventConsumer(
        service="loyalty",
        sessions=sessions,
        inbox=inbox,
        handlers=HANDLERS,
        topics=["orders.events"],
        bootstrap_servers="unused:9092",
        retry_backoff_seconds=0.01,
    )


async def handle(sessions: Sessions, event: CloudEvent) -> None:
    async with transaction(sessions) as session:
        await HANDLERS[event.type](session, event)


async def funded_member(sessions: Sessions, total_fen: int) -> uuid.UUID:
    """A new member with one purchase: ``total_fen // 100`` points at the standard rate."""
    member_id = uuid.uuid4()
    await handle(sessions, purchase_event(member_id, total_fen))
    return member_id


async def account_of(sessions: Sessions, member_id: uuid.UUID) -> Account | None:
    async with sessions() as session:
        return await session.get(Account, member_id)


async def ledger_of(sessions: Sessions, member_id: uuid.UUID) -> list[LedgerEntry]:
    async with sessions() as session:
        query = (
            select(LedgerEntry).where(LedgerEntry.member_id == member_id).order_by(LedgerEntry.seq)  # type: ignore[arg-type]
        )
        return list((await session.scalars(query)).all())


async def published(
    sessions: Sessions, member_id: uuid.UUID, event_type: str
) -> list[dict[str, Any]]:
    """The ``data`` of the outbox rows of ``event_type`` about the member, oldest first."""
    table = outbox.table
    async with sessions() as session:
        envelopes = await session.scalars(
            select(table.c.envelope)
            .where(table.c.key == str(member_id), table.c.event_type == event_type)
            .order_by(table.c.seq)
        )
        return [envelope["data"] for envelope in envelopes]
