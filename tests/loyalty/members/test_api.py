"""What members and staff read: the loyalty view and the ledger, through the account held."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from shared.db import Sessions
from shared.kafka import create_producer
from tests.loyalty.conftest import (
    account_of,
    funded_member,
    handle,
    key,
    problem,
    purchase_event,
    purchase_id_of,
    return_event,
)
from tests.stack import Stack, eventually, member_headers, staff_headers

ADMIN = staff_headers("admin")


async def test_a_member_reads_balance_tier_and_progress(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 120_000)
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    response = await client.get(f"/members/{member_id}/loyalty", headers=member_headers(member_id))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "member_id": str(member_id),
        "account_id": str(account.account_id),
        "balance": 1_200,
        "available": 1_200,
        "pending_points": 0,
        "pending": [],
        "expiring_soon_points": 0,
        "expiring_soon": [],
        "held_points": 0,
        "held": [],
        "tier": {"code": "vip", "name": "VIP贵宾"},
        "qualifying_spend_fen": 120_000,
        "next_tier": {"code": "star", "name": "VIP健康之星", "threshold_fen": 500_000},
        "missing_fen": 380_000,
    }


async def test_members_see_only_themselves_and_unknown_members_are_404(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 10_000)
    problem(
        await client.get(f"/members/{member_id}/loyalty", headers=member_headers(uuid.uuid4())),
        403,
    )
    problem(
        await client.get(f"/members/{member_id}/ledger", headers=member_headers(uuid.uuid4())),
        403,
    )
    ok = await client.get(f"/members/{member_id}/loyalty", headers=staff_headers("analyst"))
    assert ok.status_code == 200
    missing = uuid.uuid4()
    for path in ("loyalty", "ledger"):
        refused = problem(await client.get(f"/members/{missing}/{path}", headers=ADMIN), 404)
        assert str(missing) in refused["detail"]
        assert refused["type"] == "urn:huiyuan:problem:account-not-found"


async def test_the_ledger_pages_newest_first(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 50_000)
    for n in range(4):
        redeemed = await client.post(
            f"/members/{member_id}/redemptions",
            json={"points": 10 + n, "reason": f"gift {n}"},
            headers=member_headers(member_id) | key(),
        )
        assert redeemed.status_code == 201, redeemed.text
    seen: list[int] = []
    cursor: str | None = None
    for _ in range(3):
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = await client.get(
            f"/members/{member_id}/ledger", params=params, headers=member_headers(member_id)
        )
        assert page.status_code == 200, page.text
        seen += [item["points"] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == [-13, -12, -11, -10, 500]


async def test_ledger_entries_name_their_source_as_before(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = uuid.uuid4()
    sale = purchase_event(member_id, 30_000)
    await handle(loyalty_sessions, sale)
    returned = return_event(member_id, purchase_id_of(sale), 10_000, 30_000)
    await handle(loyalty_sessions, returned)
    page = await client.get(f"/members/{member_id}/ledger", headers=ADMIN)
    reversal, earn = page.json()["items"]
    purchase_id, return_id = str(purchase_id_of(sale)), returned.data["return_id"]
    assert {k: earn[k] for k in ("kind", "source_type", "source_id", "purchase_id")} == {
        "kind": "earn",
        "source_type": "purchase",
        "source_id": purchase_id,
        "purchase_id": purchase_id,
    }
    assert {
        k: reversal[k] for k in ("kind", "source_type", "source_id", "purchase_id", "return_id")
    } == {
        "kind": "reverse",
        "source_type": "return",
        "source_id": return_id,
        "purchase_id": purchase_id,
        "return_id": return_id,
    }


@pytest.mark.parametrize(
    ("params", "location"),
    [
        ({"cursor": "x"}, "query.cursor"),
        ({"cursor": "-1"}, "query.cursor"),
        ({"cursor": "1.5"}, "query.cursor"),
        ({"cursor": "³"}, "query.cursor"),  # a Unicode digit: answered 500 before
        ({"cursor": "9" * 20}, "query.cursor"),  # past bigint
        ({"cursor": "1" * 129}, "query.cursor"),
        ({"limit": 0}, "query.limit"),
        ({"limit": 201}, "query.limit"),
        ({"limit": "ten"}, "query.limit"),
    ],
)
async def test_cursors_and_limits_are_parsed_strictly(
    client: httpx.AsyncClient, loyalty_sessions: Sessions, params: dict[str, Any], location: str
) -> None:
    member_id = await funded_member(loyalty_sessions, 10_000)
    response = await client.get(f"/members/{member_id}/ledger", params=params, headers=ADMIN)
    assert [e["location"] for e in problem(response, 422)["errors"]] == [location]


@pytest.mark.parametrize("path", ["loyalty", "ledger"])
async def test_a_member_id_that_is_no_uuid_is_refused(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(f"/members/not-a-uuid/{path}", headers=ADMIN)
    assert [e["location"] for e in problem(response, 422)["errors"]] == ["path.member_id"]


async def test_a_purchase_published_on_kafka_earns_points(
    client: httpx.AsyncClient, stack: Stack
) -> None:
    member_id = uuid.uuid4()
    event = purchase_event(member_id, 234_500)
    producer = create_producer(stack.bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(event.topic, event.to_json(), key=str(member_id).encode())
    finally:
        await producer.stop()

    async def account() -> dict[str, Any] | None:
        response = await client.get(f"/members/{member_id}/loyalty", headers=ADMIN)
        return response.json() if response.status_code == 200 else None

    seen = await eventually(account, timeout=20)
    assert (seen["balance"], seen["tier"]["code"]) == (2_345, "vip")
