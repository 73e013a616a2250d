"""Households over HTTP: open, join and leave by card, read, list; events; refusals."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from services.customer.base import outbox
from services.customer.households.domain import MAX_MEMBERS
from services.customer.households.models import Household, HouseholdMember
from shared.db import Sessions
from shared.errors import PROBLEM_JSON
from tests.customer.conftest import new_phone
from tests.stack import Stack, member_headers, running, staff_headers

STAFF = staff_headers("service")


@pytest.fixture(scope="module")
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with running(stack.app("customer")) as client:
        yield client


async def _member(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.post(
        "/members", json={"name": "李雷", "phone": new_phone()}, headers=STAFF
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _household(client: httpx.AsyncClient, head: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(
        "/households", json={"head_card_number": head["card_number"]}, headers=STAFF
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["type"] == f"urn:huiyuan:problem:{slug}"
    return body


async def _events(sessions: Sessions, household_id: str) -> list[tuple[str, dict[str, Any]]]:
    table = outbox.table
    async with sessions() as session:
        rows = await session.scalars(
            select(table.c.envelope).where(table.c.key == household_id).order_by(table.c.seq)
        )
        return [(envelope["type"], envelope["data"]) for envelope in rows]


async def _rows(sessions: Sessions) -> tuple[int, int, int]:
    async with sessions() as session:
        households = await session.scalar(select(func.count()).select_from(Household))
        members = await session.scalar(select(func.count()).select_from(HouseholdMember))
        events = await session.scalar(select(func.count()).select_from(outbox.table))
    return int(households or 0), int(members or 0), int(events or 0)


async def test_open_join_leave_and_dissolve(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    head, other = await _member(client), await _member(client)
    household = await _household(client, head)
    assert [(m["member_id"], m["role"]) for m in household["members"]] == [(head["id"], "head")]
    assert household["head_member_id"] == head["id"]
    assert household["dissolved_at"] is None

    joined = await client.post(
        f"/households/{household['id']}/members",
        json={"card_number": other["card_number"]},
        headers=STAFF,
    )
    assert joined.status_code == 201, joined.text
    assert [m["card_number"] for m in joined.json()["members"]] == [
        head["card_number"],
        other["card_number"],
    ]
    read = await client.get(f"/households/{household['id']}", headers=member_headers(other["id"]))
    assert read.status_code == 200
    assert read.json() == joined.json()
    found = await client.get(
        "/households", params={"card_number": other["card_number"]}, headers=STAFF
    )
    assert [h["id"] for h in found.json()["items"]] == [household["id"]]

    head_first = await client.delete(
        f"/households/{household['id']}/members/{head['card_number']}", headers=STAFF
    )
    _problem(head_first, 409, "head-leaves-last")
    left = await client.delete(
        f"/households/{household['id']}/members/{other['card_number']}", headers=STAFF
    )
    assert left.status_code == 200, left.text
    assert [m["role"] for m in left.json()["members"]] == ["head"]
    last = await client.delete(
        f"/households/{household['id']}/members/{head['card_number']}", headers=STAFF
    )
    assert last.status_code == 200
    assert last.json()["members"] == []
    assert last.json()["dissolved_at"] is not None
    _problem(
        await client.post(
            f"/households/{household['id']}/members",
            json={"card_number": other["card_number"]},
            headers=STAFF,
        ),
        409,
        "household-dissolved",
    )

    events = await _events(customer_sessions, household["id"])
    assert [(kind, data["member_id"]) for kind, data in events] == [
        ("customer.household.created", head["id"]),
        ("customer.household.joined", other["id"]),
        ("customer.household.left", other["id"]),
        ("customer.household.left", head["id"]),
    ]
    assert [data.get("dissolved") for _, data in events[2:]] == [False, True]


async def test_one_household_per_member(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    head, other = await _member(client), await _member(client)
    first = await _household(client, head)
    second = await _household(client, other)
    before = await _rows(customer_sessions)
    again = await client.post(
        "/households", json={"head_card_number": head["card_number"]}, headers=STAFF
    )
    body = _problem(again, 409, "already-in-household")
    assert body["errors"][0]["location"] == "body.head_card_number"
    elsewhere = await client.post(
        f"/households/{second['id']}/members",
        json={"card_number": head["card_number"]},
        headers=STAFF,
    )
    _problem(elsewhere, 409, "already-in-household")
    assert await _rows(customer_sessions) == before
    # once they left the first, they may join the second
    assert (
        await client.delete(
            f"/households/{first['id']}/members/{head['card_number']}", headers=STAFF
        )
    ).status_code == 200
    moved = await client.post(
        f"/households/{second['id']}/members",
        json={"card_number": head["card_number"]},
        headers=STAFF,
    )
    assert moved.status_code == 201, moved.text


async def test_each_change_of_a_member_carries_their_next_membership_version(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    head, other, mover = await _member(client), await _member(client), await _member(client)
    first, second = await _household(client, head), await _household(client, other)

    async def join(household: dict[str, Any]) -> int:
        answer = await client.post(
            f"/households/{household['id']}/members",
            json={"card_number": mover["card_number"]},
            headers=STAFF,
        )
        return answer.status_code

    async def leave(household: dict[str, Any]) -> int:
        path = f"/households/{household['id']}/members/{mover['card_number']}"
        return (await client.delete(path, headers=STAFF)).status_code

    assert await join(first) == 201
    assert await join(second) == 409  # refused: counts nothing
    assert await leave(first) == 200
    assert await join(second) == 201
    assert await leave(second) == 200

    def versions(events: list[tuple[str, dict[str, Any]]], member: str) -> list[tuple[int, str]]:
        return [(data["version"], kind) for kind, data in events if data["member_id"] == member]

    in_first = await _events(customer_sessions, first["id"])
    in_second = await _events(customer_sessions, second["id"])
    assert versions(in_first, mover["id"]) == [
        (1, "customer.household.joined"),
        (2, "customer.household.left"),
    ]
    assert versions(in_second, mover["id"]) == [
        (3, "customer.household.joined"),
        (4, "customer.household.left"),
    ]
    assert versions(in_first, head["id"]) == [(1, "customer.household.created")]


async def test_a_retry_with_the_same_key_gets_the_first_answer(client: httpx.AsyncClient) -> None:
    head = await _member(client)
    headers = {**STAFF, "Idempotency-Key": uuid.uuid4().hex}
    body = {"head_card_number": head["card_number"]}
    first = await client.post("/households", json=body, headers=headers)
    retry = await client.post("/households", json=body, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers.get("Idempotent-Replayed") == "true"


async def test_a_household_is_full_at_its_size(client: httpx.AsyncClient) -> None:
    household = await _household(client, await _member(client))
    for _ in range(MAX_MEMBERS - 1):
        member = await _member(client)
        added = await client.post(
            f"/households/{household['id']}/members",
            json={"card_number": member["card_number"]},
            headers=STAFF,
        )
        assert added.status_code == 201
    one_more = await _member(client)
    _problem(
        await client.post(
            f"/households/{household['id']}/members",
            json={"card_number": one_more["card_number"]},
            headers=STAFF,
        ),
        409,
        "household-full",
    )


async def test_bad_input_is_refused_naming_the_field_and_writes_nothing(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    household = await _household(client, await _member(client))
    stranger = await _member(client)
    before = await _rows(customer_sessions)
    cases = [
        (client.post("/households", json={"head_card_number": "12345"}, headers=STAFF), 422),
        (client.post("/households", json={"head_card_number": 8860}, headers=STAFF), 422),
        (client.post("/households", json={}, headers=STAFF), 422),
        (client.post("/households", json={"head_card_number": "0", "x": 1}, headers=STAFF), 422),
        (
            client.post(
                f"/households/{uuid.uuid4()}/members",
                json={"card_number": stranger["card_number"]},
                headers=STAFF,
            ),
            404,
        ),
        (
            client.delete(
                f"/households/{household['id']}/members/{stranger['card_number']}", headers=STAFF
            ),
            404,
        ),
        (client.delete(f"/households/{household['id']}/members/12x", headers=STAFF), 422),
        (client.get("/households", params={"cursor": "nope"}, headers=STAFF), 422),
    ]
    for call, status in cases:
        response = await call
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith(PROBLEM_JSON)
    no_card = await client.post(
        "/households", json={"head_card_number": _luhn("99" + "7" * 20)}, headers=STAFF
    )
    body = _problem(no_card, 422, "card-not-found")  # no card is numbered with a 99 prefix
    assert body["errors"][0]["location"] == "body.head_card_number"
    assert await _rows(customer_sessions) == before


def _luhn(digits: str) -> str:
    total = 0
    for n, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if n % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return digits + str((10 - total % 10) % 10)


async def test_who_may_do_what(client: httpx.AsyncClient) -> None:
    head, stranger = await _member(client), await _member(client)
    household = await _household(client, head)
    analyst = staff_headers("analyst")
    refused = [
        await client.post(
            "/households", json={"head_card_number": stranger["card_number"]}, headers=analyst
        ),
        await client.post(
            "/households",
            json={"head_card_number": stranger["card_number"]},
            headers=member_headers(uuid.UUID(stranger["id"])),
        ),
        await client.get(
            f"/households/{household['id']}", headers=member_headers(uuid.UUID(stranger["id"]))
        ),
        await client.get("/households", headers=member_headers(uuid.UUID(head["id"]))),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403, 403]
    assert (await client.get("/households", headers=analyst)).status_code == 200
    own = await client.get(
        f"/households/{household['id']}", headers=member_headers(uuid.UUID(head["id"]))
    )
    assert own.status_code == 200
