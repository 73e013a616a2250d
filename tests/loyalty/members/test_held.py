"""The loyalty view shows the points tills hold for sales in progress: on the account the
member holds, a household's including what its holders held before joining, and only
until the sale commits them or they come back."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from shared.db import Sessions
from tests.loyalty.conftest import funded_member, handle
from tests.loyalty.households.conftest import household, left
from tests.loyalty.reservations.conftest import SERVICE, STORE, commit, held, release


async def _view(client: httpx.AsyncClient, member_id: uuid.UUID) -> dict[str, Any]:
    response = await client.get(f"/members/{member_id}/loyalty", headers=SERVICE)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _holds(view: dict[str, Any]) -> tuple[int, list[tuple[str, int]]]:
    return view["held_points"], [(h["reservation_id"], h["points"]) for h in view["held"]]


async def test_held_points_show_until_committed_or_released(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 100_000)  # 1,000 points
    first = await held(client, member_id, 10_000, points=300)
    second = await held(client, member_id, 10_000, points=200)
    view = await _view(client, member_id)
    assert _holds(view) == (
        500,
        [(first["reservation_id"], 300), (second["reservation_id"], 200)],
    )
    assert (view["balance"], view["available"]) == (500, 500)  # held points are off both
    assert view["held"][0]["store_id"] == str(STORE)
    assert view["held"][0]["expires_at"] is not None
    assert (await commit(client, first, uuid.uuid4(), 10_000)).status_code == 200
    assert (await release(client, second["reservation_id"])).status_code == 200
    assert _holds(await _view(client, member_id)) == (0, [])


async def test_a_household_shows_what_its_holders_hold_wherever_they_held_it(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    head = await funded_member(loyalty_sessions, 100_000)
    other = await funded_member(loyalty_sessions, 100_000)
    before = await held(client, other, 10_000, points=300)  # on their own account
    household_id = await household(loyalty_sessions, head, other)
    after = await held(client, head, 10_000, points=100)  # on the household's
    expected = (400, [(before["reservation_id"], 300), (after["reservation_id"], 100)])
    assert _holds(await _view(client, head)) == expected
    assert _holds(await _view(client, other)) == expected
    assert (await _view(client, head))["account_id"] == after["account_id"]

    await handle(loyalty_sessions, left(household_id, head))
    # the head's hold comes back to the household's account if released: not theirs now
    assert _holds(await _view(client, head)) == (0, [])
    assert _holds(await _view(client, other)) == expected
    loner = await funded_member(loyalty_sessions, 100_000)
    assert _holds(await _view(client, loner)) == (0, [])
