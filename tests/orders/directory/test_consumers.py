from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from services.orders.base import outbox
from services.orders.directory.models import Member
from shared.crypto import PiiCipher
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.events.customer import (
    MemberCardReissued,
    MemberDeactivated,
    MemberReactivated,
    MemberRegistered,
    MemberUpdated,
)
from tests.orders.conftest import (
    LINES,
    KnownMember,
    StoreKey,
    is_problem,
    new_key,
    register,
    registered_event,
)
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


def _updated(member_id: uuid.UUID, phone: str, stack: Stack, **changes: Any) -> CloudEvent:
    cipher = PiiCipher(stack.settings("orders").pii_key.get_secret_value())
    payload = MemberUpdated(
        member_id=member_id,
        changed=("phone", "phone_hash"),
        phone_hash=cipher.phone_hash(phone),
        updated_at=datetime.now(UTC),
    )
    return CloudEvent.of(payload.model_copy(update=changes), source="/huiyuan/customer")


async def _handle(stack: Stack, sessions: Sessions, event: CloudEvent) -> None:
    async with transaction(sessions) as session:
        await stack.handlers("orders")[event.type](session, event)


async def _phone_hashes(sessions: Sessions, *members: KnownMember) -> list[str | None]:
    async with sessions() as session:
        rows = [await session.get(Member, member.member_id) for member in members]
        return [row.phone_hash if row is not None else "missing" for row in rows]


def _hash(stack: Stack, phone: str) -> str:
    return PiiCipher(stack.settings("orders").pii_key.get_secret_value()).phone_hash(phone)


async def test_member_updated_moves_the_phone_hash(stack: Stack, orders_sessions: Sessions) -> None:
    member = await register(stack, orders_sessions)

    await _handle(stack, orders_sessions, _updated(member.member_id, "+13125550147", stack))

    assert await _phone_hashes(orders_sessions, member) == [_hash(stack, "+13125550147")]


async def test_a_member_taking_a_number_takes_it_from_its_stale_holder(
    stack: Stack, orders_sessions: Sessions
) -> None:
    """Customer moved the number from ``before`` to ``after``; after's event came first."""
    number = f"+86139{uuid.uuid4().int % 10**8:08d}"
    before = await register(stack, orders_sessions, number)
    after = await register(stack, orders_sessions)

    await _handle(stack, orders_sessions, _updated(after.member_id, number, stack))
    assert await _phone_hashes(orders_sessions, before, after) == [None, _hash(stack, number)]
    await _handle(stack, orders_sessions, _updated(before.member_id, "+447400123456", stack))

    assert await _phone_hashes(orders_sessions, before, after) == [
        _hash(stack, "+447400123456"),
        _hash(stack, number),
    ]


async def test_a_new_member_takes_a_number_from_its_stale_holder_once(
    stack: Stack, orders_sessions: Sessions
) -> None:
    number = f"+86137{uuid.uuid4().int % 10**8:08d}"
    stale = await register(stack, orders_sessions, number)
    event = registered_event(stack, number)

    await _handle(stack, orders_sessions, event)
    newcomer = event.payload(MemberRegistered)
    assert await _phone_hashes(orders_sessions, stale) == [None]
    await _handle(stack, orders_sessions, _updated(stale.member_id, number, stack))
    # the newcomer's registration seen again (a copy under another event id) takes nothing
    await _handle(stack, orders_sessions, event.model_copy(update={"id": str(uuid.uuid4())}))

    async with orders_sessions() as session:
        row = await session.get(Member, newcomer.member_id)
        assert row is not None
        assert row.phone_hash is None
    assert await _phone_hashes(orders_sessions, stale) == [_hash(stack, number)]


async def test_updates_without_a_phone_hash_or_for_a_stranger_change_nothing(
    stack: Stack, orders_sessions: Sessions
) -> None:
    member = await register(stack, orders_sessions)
    known = await _phone_hashes(orders_sessions, member)
    stranger = uuid.uuid4()

    await _handle(
        stack,
        orders_sessions,
        _updated(member.member_id, "+13125550148", stack, changed=("phone",), phone_hash=None),
    )
    await _handle(stack, orders_sessions, _updated(stranger, "+13125550149", stack))

    assert await _phone_hashes(orders_sessions, member) == known
    async with orders_sessions() as session:
        assert await session.get(Member, stranger) is None


def _customer_event(
    payload: MemberCardReissued | MemberDeactivated | MemberReactivated,
) -> CloudEvent:
    return CloudEvent.of(payload, source="/huiyuan/customer")


async def _sale_by(client: httpx.AsyncClient, store: StoreKey, **reference: str) -> httpx.Response:
    return await client.post(
        "/purchases", json={"lines": LINES} | reference, headers=store.headers | new_key()
    )


async def test_a_reissued_card_names_the_member_and_the_lost_one_nobody(
    stack: Stack, orders_sessions: Sessions, client: httpx.AsyncClient, store: StoreKey
) -> None:
    member = await register(stack, orders_sessions)
    new_card = f"88{uuid.uuid4().int % 10**11:011d}"
    reissued = _customer_event(
        MemberCardReissued(
            member_id=member.member_id,
            card_number=new_card,
            previous_card_number=member.card_number,
            reissued_at=datetime.now(UTC),
        )
    )
    for _ in range(2):  # a redelivery sets the same number again
        await _handle(stack, orders_sessions, reissued)
    lost = await _sale_by(client, store, card_number=member.card_number)
    problem = is_problem(lost, 422)
    assert problem["type"].endswith("unknown-member")
    # the till is told to check the card, not only to retry as if it were unregistered yet
    assert "card that was replaced" in problem["detail"], problem
    assert member.card_number in problem["detail"]
    found = await _sale_by(client, store, card_number=new_card)
    assert found.status_code == 201, found.text
    assert found.json()["member_id"] == str(member.member_id)


async def test_a_deactivated_member_is_named_by_no_card_phone_or_id(
    stack: Stack, orders_sessions: Sessions, client: httpx.AsyncClient, store: StoreKey
) -> None:
    member, other = await register(stack, orders_sessions), await register(stack, orders_sessions)
    before = await _sale_by(client, store, card_number=member.card_number)
    assert before.status_code == 201, before.text
    deactivated = _customer_event(
        MemberDeactivated(member_id=member.member_id, deactivated_at=datetime.now(UTC))
    )
    for _ in range(2):
        await _handle(stack, orders_sessions, deactivated)
    for reference in (
        {"card_number": member.card_number},
        {"phone": member.phone},
        {"member_id": str(member.member_id)},
    ):
        refused = await _sale_by(client, store, **reference)
        problem = is_problem(refused, 422)
        assert problem["type"].endswith("unknown-member"), reference
        assert "deactivated or erased member" in problem["detail"], problem
        assert member.phone not in problem["detail"]
    assert await _phone_hashes(orders_sessions, member, other) == [None, _hash(stack, other.phone)]
    still = await _sale_by(client, store, card_number=other.card_number)
    assert still.status_code == 201, still.text


async def test_a_reactivated_member_is_named_again_unless_deactivated_since(
    stack: Stack, orders_sessions: Sessions, client: httpx.AsyncClient, store: StoreKey
) -> None:
    member = await register(stack, orders_sessions)
    deactivated_at = datetime.now(UTC)
    await _handle(
        stack,
        orders_sessions,
        _customer_event(
            MemberDeactivated(member_id=member.member_id, deactivated_at=deactivated_at)
        ),
    )
    stale = MemberReactivated(
        member_id=member.member_id,
        phone_hash=_hash(stack, member.phone),
        reactivated_at=deactivated_at - timedelta(seconds=1),
    )
    await _handle(stack, orders_sessions, _customer_event(stale))
    refused = await _sale_by(client, store, card_number=member.card_number)
    assert is_problem(refused, 422)["type"].endswith("unknown-member")

    reactivated = stale.model_copy(update={"reactivated_at": datetime.now(UTC)})
    for _ in range(2):
        await _handle(stack, orders_sessions, _customer_event(reactivated))
    assert await _phone_hashes(orders_sessions, member) == [_hash(stack, member.phone)]
    for reference in (
        {"card_number": member.card_number},
        {"phone": member.phone},
        {"member_id": str(member.member_id)},
    ):
        sale = await _sale_by(client, store, **reference)
        assert sale.status_code == 201, (reference, sale.text)
