"""Orders applies an erasure: no card, phone or id names the member at a till any more,
their sales stay (keyed by id), the member's own export lists them until then, and a
redelivery changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlmodel import col, select

from services.orders.directory.models import Member
from services.orders.purchases.models import Purchase
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.events.customer import MemberErased
from tests.orders.conftest import LINES, StoreKey, is_problem, new_key, register
from tests.stack import Stack, member_headers, staff_headers


async def test_an_erased_member_is_named_by_nothing_and_their_sales_stay(
    stack: Stack, orders_sessions: Sessions, client: httpx.AsyncClient, store: StoreKey
) -> None:
    member = await register(stack, orders_sessions)
    sale = await client.post(
        "/purchases",
        json={"lines": LINES, "card_number": member.card_number},
        headers=store.headers | new_key(),
    )
    assert sale.status_code == 201, sale.text
    own = await client.get(
        f"/members/{member.member_id}/export", headers=member_headers(member.member_id)
    )
    assert own.status_code == 200, own.text
    assert [p["id"] for p in own.json()["purchases"]] == [sale.json()["id"]]
    refused = await client.get(
        f"/members/{member.member_id}/export", headers=staff_headers("service")
    )
    assert refused.status_code == 403, refused.text

    erased = CloudEvent.of(
        MemberErased(member_id=member.member_id, erased_at=datetime.now(UTC)),
        source="/huiyuan/customer",
    )
    for _ in range(2):  # a redelivery changes nothing more
        async with transaction(orders_sessions) as session:
            await stack.handlers("orders")[erased.type](session, erased)

    for reference in (
        {"card_number": member.card_number},
        {"phone": member.phone},
        {"member_id": str(member.member_id)},
    ):
        answer = await client.post(
            "/purchases", json={"lines": LINES} | reference, headers=store.headers | new_key()
        )
        assert is_problem(answer, 422)["type"].endswith("unknown-member"), reference
    async with orders_sessions() as session:
        row = await session.get(Member, member.member_id)
        assert row is not None
        assert row.phone_hash is None
        assert row.card_number.startswith("erased-")
        kept = await session.scalars(
            select(Purchase.id).where(col(Purchase.member_id) == member.member_id)
        )
        assert [str(p) for p in kept] == [sale.json()["id"]]
