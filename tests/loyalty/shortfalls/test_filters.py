"""GET /shortfalls by status (outstanding or settled) and by member, a page at a time."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from services.loyalty.redemption.schemas import RedemptionIn
from services.loyalty.redemption.service import redeem
from shared.db import Sessions, transaction
from tests.loyalty.conftest import (
    SetPolicy,
    handle,
    ledger_of,
    problem,
    purchase_event,
    purchase_id_of,
    return_event,
)
from tests.loyalty.households.conftest import household
from tests.stack import staff_headers

SERVICE = staff_headers("service")


async def _falls_short(sessions: Sessions, member_id: uuid.UUID) -> str:
    """The member earns 500 points, spends 400 of them with what else they have, and
    returns the sale: the reversal falls 400 short. Its entry id."""
    sale = purchase_event(member_id, 50_000)
    await handle(sessions, sale)
    async with transaction(sessions) as session:
        await redeem(session, member_id, RedemptionIn(points=400, reason="gift"))
    await handle(sessions, return_event(member_id, purchase_id_of(sale), 50_000, 50_000))
    reversal = (await ledger_of(sessions, member_id))[-1]
    assert reversal.shortfall == 400
    return str(reversal.id)


async def _page(client: httpx.AsyncClient, **params: Any) -> tuple[list[tuple[str, int]], Any]:
    response = await client.get("/shortfalls", params=params, headers=SERVICE)
    assert response.status_code == 200, response.text
    body = response.json()
    return [(i["entry_id"], i["outstanding"]) for i in body["items"]], body["next_cursor"]


async def test_shortfalls_by_status_and_member(
    client: httpx.AsyncClient, loyalty_sessions: Sessions, points_policy: SetPolicy
) -> None:
    owing, paid, partly = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    owed = await _falls_short(loyalty_sessions, owing)
    settled = await _falls_short(loyalty_sessions, paid)
    part = await _falls_short(loyalty_sessions, partly)
    await points_policy(shortfall_payback=True)
    await handle(loyalty_sessions, purchase_event(paid, 45_000))  # 450 points: 400 paid back
    await handle(loyalty_sessions, purchase_event(partly, 10_000))  # 100 points: 100 of 400

    assert await _page(client, member_id=str(owing)) == ([(owed, 400)], None)
    assert await _page(client, member_id=str(paid)) == ([(settled, 0)], None)
    for member, entry, outstanding in ((owing, owed, 400), (partly, part, 300)):
        assert await _page(client, member_id=str(member), status="outstanding") == (
            [(entry, outstanding)],
            None,
        )
        assert await _page(client, member_id=str(member), status="settled") == ([], None)
    assert await _page(client, member_id=str(paid), status="settled") == ([(settled, 0)], None)
    assert await _page(client, member_id=str(paid), status="outstanding") == ([], None)
    everyone, _ = await _page(client, status="settled", limit=200)
    assert (settled, 0) in everyone
    assert all(outstanding == 0 for _, outstanding in everyone)
    owed_by_anyone, _ = await _page(client, status="outstanding", limit=200)
    assert {(owed, 400), (part, 300)} <= set(owed_by_anyone)
    assert all(outstanding > 0 for _, outstanding in owed_by_anyone)


async def test_a_members_shortfalls_page_by_cursor_newest_first(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = uuid.uuid4()
    older = await _falls_short(loyalty_sessions, member_id)
    newer = await _falls_short(loyalty_sessions, member_id)
    first, cursor = await _page(client, member_id=str(member_id), status="outstanding", limit=1)
    assert first == [(newer, 400)]
    assert cursor is not None
    second, end = await _page(
        client, member_id=str(member_id), status="outstanding", limit=1, cursor=cursor
    )
    assert (second, end) == ([(older, 400)], None)


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"status": "paid"}, "query.status"),
        ({"status": ""}, "query.status"),
        ({"member_id": "not-a-member"}, "query.member_id"),
    ],
)
async def test_bad_filters_are_refused(
    client: httpx.AsyncClient, params: dict[str, Any], where: str
) -> None:
    response = await client.get("/shortfalls", params=params, headers=SERVICE)
    assert problem(response, 422)["errors"][0]["location"] == where


async def test_a_households_shortfall_is_listed_for_each_of_its_holders(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    head, other, stranger = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await handle(loyalty_sessions, purchase_event(stranger, 10_000))
    await handle(loyalty_sessions, purchase_event(other, 10_000))  # 100 points, pooled later
    await household(loyalty_sessions, head, other)
    sale = purchase_event(head, 50_000)  # 500 points, on the household's account
    await handle(loyalty_sessions, sale)
    async with transaction(loyalty_sessions) as session:
        await redeem(session, other, RedemptionIn(points=400, reason="gift"))
    returned = return_event(head, purchase_id_of(sale), 50_000, 50_000)
    await handle(loyalty_sessions, returned)
    async with loyalty_sessions() as session:
        entry = await session.scalar(
            text("SELECT id FROM loyalty.ledger_entries WHERE source_id = :r"),
            {"r": returned.data["return_id"]},
        )
    # 600 on the account, 400 spent: the return takes the 200 left and falls 300 short
    listed = [(str(entry), 300)]
    assert (await _page(client, member_id=str(head)))[0] == listed
    assert (await _page(client, member_id=str(other), status="outstanding"))[0] == listed
    assert (await _page(client, member_id=str(stranger)))[0] == []
