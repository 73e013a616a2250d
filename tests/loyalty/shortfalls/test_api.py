"""Shortfalls over the real database and HTTP: listed for staff, paid back by the next
earnings when the policy says so, through the kernel, with the ledger sound throughout."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from services.loyalty.redemption.schemas import RedemptionIn
from services.loyalty.redemption.service import redeem
from shared.db import Sessions, transaction
from tests.loyalty.conftest import (
    SetPolicy,
    handle,
    ledger_of,
    ledger_sound,
    problem,
    published,
    purchase_event,
    purchase_id_of,
    return_event,
)
from tests.stack import member_headers, staff_headers

SERVICE = staff_headers("service")


async def _short_member(sessions: Sessions) -> tuple[uuid.UUID, uuid.UUID]:
    """A member who earned 500 points, spent 400, then returned the sale: the reversal
    takes the 100 left and falls 400 short. The reversal's entry id, and the member."""
    member_id = uuid.uuid4()
    sale = purchase_event(member_id, 50_000)
    await handle(sessions, sale)
    async with transaction(sessions) as session:
        await redeem(session, member_id, RedemptionIn(points=400, reason="gift"))
    await handle(sessions, return_event(member_id, purchase_id_of(sale), 50_000, 50_000))
    reversal = (await ledger_of(sessions, member_id))[-1]
    assert (reversal.points, reversal.shortfall, reversal.balance_after) == (-100, 400, 0)
    return reversal.id, member_id


async def _listed(client: httpx.AsyncClient, entry_id: uuid.UUID) -> dict[str, Any]:
    response = await client.get("/shortfalls", params={"limit": 200}, headers=SERVICE)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    [item] = [i for i in items if i["entry_id"] == str(entry_id)]
    return item


async def test_staff_see_a_shortfall_and_the_next_earnings_pay_it_back(
    client: httpx.AsyncClient, loyalty_sessions: Sessions, points_policy: SetPolicy
) -> None:
    entry_id, member_id = await _short_member(loyalty_sessions)
    listed = await _listed(client, entry_id)
    assert (listed["member_id"], listed["source_type"]) == (str(member_id), "return")
    assert (listed["shortfall"], listed["recovered"], listed["outstanding"]) == (400, 0, 400)

    await points_policy(shortfall_payback=True)
    first = purchase_event(member_id, 30_000)  # 300 points, all paid back
    await handle(loyalty_sessions, first)
    await handle(loyalty_sessions, first)  # delivered again: neither earns nor pays twice
    second = purchase_event(member_id, 25_000)  # 250 points, 100 of them paid back
    await handle(loyalty_sessions, second)

    entries = await ledger_of(loyalty_sessions, member_id)
    assert [(e.kind, e.points, e.balance_after) for e in entries[3:]] == [
        ("earn", 300, 300),
        ("recover", -300, 0),
        ("earn", 250, 250),
        ("recover", -100, 150),
    ]
    assert [e.source_id for e in entries[3:]] == [purchase_id_of(first)] * 2 + [
        purchase_id_of(second)
    ] * 2
    listed = await _listed(client, entry_id)
    assert (listed["recovered"], listed["outstanding"]) == (400, 0)
    events = await published(loyalty_sessions, member_id, "loyalty.shortfall.recovered")
    assert [(e["points"], e["balance"]) for e in events] == [(300, 0), (100, 150)]
    assert events[0]["shortfalls"] == [{"entry_id": str(entry_id), "points": 300}]
    ledger = await client.get(f"/members/{member_id}/ledger", headers=member_headers(member_id))
    newest = ledger.json()["items"][0]
    assert (newest["kind"], newest["purchase_id"]) == ("recover", str(purchase_id_of(second)))
    assert await ledger_sound(loyalty_sessions, member_id) == ()


async def test_without_the_policy_earnings_are_kept_whole(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    entry_id, member_id = await _short_member(loyalty_sessions)
    await handle(loyalty_sessions, purchase_event(member_id, 30_000))
    assert [e.kind for e in await ledger_of(loyalty_sessions, member_id)][-1] == "earn"
    assert (await _listed(client, entry_id))["outstanding"] == 400


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"limit": 0}, "query.limit"),
        ({"limit": 201}, "query.limit"),
        ({"limit": "ten"}, "query.limit"),
        ({"cursor": "abc"}, "query.cursor"),
        ({"cursor": "9" * 30}, "query.cursor"),
    ],
)
async def test_bad_pages_are_refused(
    client: httpx.AsyncClient, params: dict[str, Any], where: str
) -> None:
    response = await client.get("/shortfalls", params=params, headers=SERVICE)
    assert problem(response, 422)["errors"][0]["location"] == where


@pytest.mark.parametrize("role", ["marketing", "store"])
async def test_only_service_and_analysts_list_shortfalls(
    client: httpx.AsyncClient, role: str
) -> None:
    headers = staff_headers(role) if role == "marketing" else member_headers(uuid.uuid4())  # type: ignore[arg-type]
    problem(await client.get("/shortfalls", headers=headers), 403)


async def test_pages_follow_on_without_gaps(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    made = {(await _short_member(loyalty_sessions))[0] for _ in range(3)}
    first = (await client.get("/shortfalls", params={"limit": 2}, headers=SERVICE)).json()
    rest = await client.get(
        "/shortfalls", params={"limit": 1, "cursor": first["next_cursor"]}, headers=SERVICE
    )
    seen = [i["entry_id"] for i in first["items"]] + [i["entry_id"] for i in rest.json()["items"]]
    assert {str(e) for e in made} == set(seen)
