"""The seeds' four-tier program, and envelopes and helpers for loyalty tests; the customer
service loyalty reads birthdays from (:mod:`tests.contacts`).

The program is global and the database is shared, so every loyalty test runs against
this one ladder (the same one the e2e tests and ``huiyuan demo`` set).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select, text

from services.loyalty.base import inbox, outbox
from services.loyalty.lots.schemas import PointsPolicyIn
from services.loyalty.lots.service import set_policy
from services.loyalty.main import spec
from services.loyalty.members.service import KINDS
from services.loyalty.points.invariants import check_ledger_invariants
from services.loyalty.program.schemas import EarningRuleIn, TierIn
from services.loyalty.rules.service import set_earning_rule
from services.loyalty.tiers.service import replace_ladder
from shared.consumer import EventConsumer
from shared.db import Sessions, create_engine, create_sessions, transaction
from shared.errors import PROBLEM_JSON
from shared.events import CloudEvent
from shared.events.customer import MemberRegistered
from shared.events.orders import PurchaseCompleted, PurchaseLine, PurchaseReturned, ReturnedLine
from shared.inbox import Handlers
from tests.contacts import customer_contacts  # noqa: F401 (a fixture: the test customer)
from tests.stack import Stack, running

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


@pytest.fixture(scope="module")
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """The loyalty app, served in-process for one test module."""
    async with running(stack.app("loyalty")) as client:
        yield client


@pytest.fixture(scope="package", autouse=True)
async def keeps_its_events_to_itself(stack: Stack) -> AsyncIterator[None]:
    """Drops the outbox rows these tests queued, once they are done.

    They apply events by hand for members no other service knows. Left in the outbox, a
    later test's loyalty relay would publish them (or republish them after a broker
    restart), and messaging would hold back their partitions waiting for contacts that
    never come, and the later test's own events with them.
    """
    engine = create_engine(stack.settings("loyalty"))
    table = outbox.table
    try:
        async with transaction(create_sessions(engine)) as session:
            before = await session.scalar(select(func.coalesce(func.max(table.c.seq), 0)))
        yield
        async with transaction(create_sessions(engine)) as session:
            await session.execute(delete(table).where(table.c.seq > before))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session", autouse=True)
async def seeds_program(stack: Stack) -> None:
    engine = create_engine(stack.settings("loyalty"))
    async with transaction(create_sessions(engine)) as session:
        await replace_ladder(session, LADDER)
        await set_earning_rule(session, RULE)
    await engine.dispose()


def registered_event(member_id: uuid.UUID) -> CloudEvent:
    """A registration (ids only); loyalty reads the birthday from customer, which knows no
    birthday of a member the test did not make there (:func:`tests.contacts.put_member`)."""
    payload = MemberRegistered(
        member_id=member_id,
        card_number=f"8860{uuid.uuid4().int % 10**9:09d}",
        phone_hash="0" * 64,
        registered_at=datetime.now(UTC),
    )
    return CloudEvent.of(payload, source="/huiyuan/customer")


def purchase_event(
    member_id: uuid.UUID,
    total_fen: int,
    purchase_id: uuid.UUID | None = None,
    purchased_at: datetime | None = None,
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
        purchased_at=purchased_at or datetime.now(UTC),
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


def purchase_id_of(event: CloudEvent) -> uuid.UUID:
    return uuid.UUID(event.data["purchase_id"])


@cache
def handlers() -> Handlers:
    """Loyalty's handlers with default settings, made at first use, once the test customer
    (:func:`tests.contacts.customer_contacts`) serves the birthdays they read."""
    return spec().bound_handlers


def event_consumer(sessions: Sessions) -> EventConsumer:
    """Loyalty's consumer runner, fed by hand with ``apply`` (no broker)."""
    return EventConsumer(
        service="loyalty",
        sessions=sessions,
        inbox=inbox,
        handlers=handlers(),
        topics=["orders.events"],
        batch_start=spec().batch_start,
        bootstrap_servers="unused:9092",
        retry_backoff_seconds=0.01,
    )


async def handle(sessions: Sessions, event: CloudEvent) -> None:
    async with transaction(sessions) as session:
        await handlers()[event.type](session, event)


async def funded_member(sessions: Sessions, total_fen: int) -> uuid.UUID:
    """A new member with one purchase: ``total_fen // 100`` points at the standard rate."""
    member_id = uuid.uuid4()
    await handle(sessions, purchase_event(member_id, total_fen))
    return member_id


@dataclass(frozen=True)
class Held:
    """The account a member holds, with their tier standing."""

    account_id: uuid.UUID
    balance: int
    version: int
    tier_code: str
    qualifying_spend_fen: int


async def account_of(sessions: Sessions, member_id: uuid.UUID) -> Held | None:
    async with sessions() as session:
        row = (
            await session.execute(
                text(
                    "SELECT a.account_id, a.balance, a.version, s.tier_code, "
                    "s.qualifying_spend_fen FROM loyalty.account_holders h "
                    "JOIN loyalty.accounts a USING (account_id) "
                    "JOIN loyalty.tier_standings s USING (member_id) "
                    "WHERE h.member_id = :member AND h.role = 'owner'"
                ),
                {"member": member_id},
            )
        ).first()
    return Held(*row) if row is not None else None


@dataclass(frozen=True)
class Line:
    """A ledger entry of the member's account; ``kind`` as the API names it."""

    id: uuid.UUID
    seq: int
    source_type: str
    source_id: uuid.UUID
    points: int
    balance_after: int
    shortfall: int
    event_id: str | None
    reason: str | None

    @property
    def kind(self) -> str:
        return KINDS[self.source_type]


async def ledger_of(sessions: Sessions, member_id: uuid.UUID) -> list[Line]:
    """The entries of the account the member holds, oldest first."""
    async with sessions() as session:
        rows = await session.execute(
            text(
                "SELECT e.id, e.seq, e.source_type, e.source_id, e.points, e.balance_after, "
                "e.shortfall, e.event_id, e.reason FROM loyalty.ledger_entries e "
                "JOIN loyalty.account_holders h USING (account_id) "
                "WHERE h.member_id = :member AND h.role = 'owner' ORDER BY e.seq"
            ),
            {"member": member_id},
        )
        return [Line(*row) for row in rows]


async def lots_of(sessions: Sessions, member_id: uuid.UUID) -> list[tuple[int, int]]:
    """``(points, remaining)`` of the lots of the member's account, oldest first."""
    async with sessions() as session:
        rows = await session.execute(
            text(
                "SELECT l.points, l.remaining FROM loyalty.point_lots l "
                "JOIN loyalty.account_holders h USING (account_id) "
                "WHERE h.member_id = :member ORDER BY l.earned_at, l.lot_id"
            ),
            {"member": member_id},
        )
        return [(row.points, row.remaining) for row in rows]


async def published(
    sessions: Sessions, member_id: uuid.UUID, event_type: str
) -> list[dict[str, Any]]:
    """The ``data`` of the outbox rows of ``event_type`` keyed by the member, oldest first."""
    return [envelope["data"] for envelope in await envelopes(sessions, member_id, event_type)]


async def envelopes(
    sessions: Sessions, member_id: uuid.UUID, event_type: str
) -> list[dict[str, Any]]:
    """The outbox envelopes of ``event_type`` keyed by the member, oldest first."""
    table = outbox.table
    async with sessions() as session:
        rows = await session.scalars(
            select(table.c.envelope)
            .where(table.c.key == str(member_id), table.c.event_type == event_type)
            .order_by(table.c.seq)
        )
        return list(rows)


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The problem+json body of an answer that must have ``status``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    return body


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


SetPolicy = Callable[..., Awaitable[None]]


@pytest.fixture
async def points_policy(loyalty_sessions: Sessions) -> AsyncIterator[SetPolicy]:
    """``await points_policy(return_window_days=7, ...)`` sets the policy for this test."""

    async def set_(**settings: Any) -> None:
        async with transaction(loyalty_sessions) as session:
            await set_policy(session, PointsPolicyIn(**settings), by="test")

    yield set_
    async with transaction(loyalty_sessions) as session:
        await session.execute(text("DELETE FROM loyalty.points_policy"))


async def ledger_sound(sessions: Sessions, *members: uuid.UUID) -> tuple[str, ...]:
    """The ledger's invariant violations over the members' accounts (empty: sound)."""
    async with sessions() as session:
        report = await check_ledger_invariants(session, members=members)
    return tuple(str(violation) for violation in report.violations)


async def waiting_on_locks(sessions: Sessions) -> int:
    async with sessions() as session:
        waiting = await session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
        )
    return int(waiting or 0)


async def until_waiting(task: asyncio.Future[Any], sessions: Sessions, waiting: int) -> None:
    """Until ``waiting`` backends wait on a lock, or ``task`` is done."""
    for _ in range(500):
        if task.done() or await waiting_on_locks(sessions) >= waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never {waiting} backends waiting on a lock")
