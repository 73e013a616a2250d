"""Tags over HTTP: define, list, rename, delete, bulk assignment with set semantics, events,
refusals that write nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from shared.db import Sessions
from tests.customer.tags.helpers import STAFF, members, problem, rows, unique, updates
from tests.stack import Stack, member_headers, running, staff_headers


@pytest.fixture(scope="module")
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with running(stack.app("customer")) as client:
        yield client


async def _tag(client: httpx.AsyncClient, name: str, **extra: Any) -> dict[str, Any]:
    answer = await client.post("/tags", json={"name": name, **extra}, headers=STAFF)
    assert answer.status_code == 201, answer.text
    tag: dict[str, Any] = answer.json()
    assert answer.headers["location"] == f"/tags/{tag['id']}"
    return tag


async def test_names_are_unique_ignoring_case_and_width(client: httpx.AsyncClient) -> None:
    name = unique("Vip")
    tag = await _tag(client, name, color="#E4572E")
    assert (tag["name"], tag["color"]) == (name, "#e4572e")
    for clash in (name.upper(), name.lower()):
        again = await client.post("/tags", json={"name": clash}, headers=STAFF)
        problem(again, 409, "tag-name-taken", "body.name")
    other = await _tag(client, unique("团购"))
    renamed = await client.patch(f"/tags/{other['id']}", json={"name": name.upper()}, headers=STAFF)
    problem(renamed, 409, "tag-name-taken", "body.name")
    # the tag's own name in another case is a rename, not a clash
    recased = await client.patch(
        f"/tags/{tag['id']}", json={"name": name.upper(), "color": None}, headers=STAFF
    )
    assert recased.status_code == 200, recased.text
    assert (recased.json()["name"], recased.json()["color"]) == (name.upper(), None)
    bad = await client.post("/tags", json={"name": unique("x"), "color": "red"}, headers=STAFF)
    problem(bad, 422, "invalid-request", "body.color")


async def test_retry_with_the_key_gets_the_first_answer(client: httpx.AsyncClient) -> None:
    body = {"name": unique("retry")}
    headers = {**STAFF, "Idempotency-Key": unique("k")}
    first = await client.post("/tags", json=body, headers=headers)
    again = await client.post("/tags", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"


async def test_tags_are_listed_in_pages(client: httpx.AsyncClient) -> None:
    made = [(await _tag(client, unique("page")))["id"] for _ in range(3)]
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/tags", params=params, headers=STAFF)).json()
        seen += [t["id"] for t in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert [t for t in seen if t in made] == made
    assert len(seen) == len(set(seen))


async def test_assignment_is_a_set_and_publishes_per_member_changed(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    first, second = await members(client, 2)
    tag = await _tag(client, unique("VIP"))
    added = await client.post(
        f"/tags/{tag['id']}/members", json={"member_ids": [first, first]}, headers=STAFF
    )
    assert added.status_code == 200, added.text
    assert added.json() == {"id": tag["id"], "changed": 1, "unchanged": 0}
    both = await client.post(
        f"/tags/{tag['id']}/members", json={"member_ids": [first, second]}, headers=STAFF
    )
    assert both.json() == {"id": tag["id"], "changed": 1, "unchanged": 1}
    before = await rows(customer_sessions)
    repeat = await client.post(
        f"/tags/{tag['id']}/members", json={"member_ids": [first, second]}, headers=STAFF
    )
    assert repeat.json() == {"id": tag["id"], "changed": 0, "unchanged": 2}
    assert await rows(customer_sessions) == before

    events = await updates(customer_sessions, first)
    assert [(e["changed"], e["tags_added"], e["version"]) for e in events] == [
        (["tags"], [tag["id"]], None)
    ]
    profile = (await client.get(f"/members/{first}", headers=STAFF)).json()
    assert profile["tags"] == [{"id": tag["id"], "name": tag["name"], "color": None}]
    assert profile["version"] == 1  # classification is no profile edit
    own = (await client.get(f"/members/{first}", headers=member_headers(uuid.UUID(first)))).json()
    assert own["tags"] is None
    assert own["category"] is None

    removed = await client.post(
        f"/tags/{tag['id']}/members/remove", json={"member_ids": [first]}, headers=STAFF
    )
    assert removed.json() == {"id": tag["id"], "changed": 1, "unchanged": 0}
    again = await client.post(
        f"/tags/{tag['id']}/members/remove", json={"member_ids": [first]}, headers=STAFF
    )
    assert again.json() == {"id": tag["id"], "changed": 0, "unchanged": 1}
    events = await updates(customer_sessions, first)
    assert [(e["tags_added"], e["tags_removed"]) for e in events] == [
        ([tag["id"]], []),
        ([], [tag["id"]]),
    ]


async def test_an_unknown_member_refuses_the_whole_batch(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    (known,) = await members(client, 1)
    tag = await _tag(client, unique("batch"))
    before = await rows(customer_sessions)
    stranger = str(uuid.uuid4())
    refused = await client.post(
        f"/tags/{tag['id']}/members", json={"member_ids": [known, stranger]}, headers=STAFF
    )
    problem(refused, 422, "unknown-member", "body.member_ids.1")
    assert await rows(customer_sessions) == before
    too_many = [str(uuid.uuid4()) for _ in range(1001)]
    refused = await client.post(
        f"/tags/{tag['id']}/members", json={"member_ids": too_many}, headers=STAFF
    )
    problem(refused, 422, "invalid-request", "body.member_ids")
    garbled = await client.post(
        f"/tags/{tag['id']}/members", json={"member_ids": [known, "nope"]}, headers=STAFF
    )
    problem(garbled, 422, "invalid-request", "body.member_ids.1")
    missing = await client.post(
        f"/tags/{uuid.uuid4()}/members", json={"member_ids": [known]}, headers=STAFF
    )
    problem(missing, 404, "tag-not-found", "path.tag_id")
    assert await rows(customer_sessions) == before


async def test_a_deactivated_member_is_not_tagged_but_may_be_untagged(
    client: httpx.AsyncClient,
) -> None:
    (member,) = await members(client, 1)
    tag = await _tag(client, unique("old"))
    url = f"/tags/{tag['id']}/members"
    assert (await client.post(url, json={"member_ids": [member]}, headers=STAFF)).status_code == 200
    gone = await client.post(f"/members/{member}/deactivate", headers=staff_headers("service"))
    assert gone.status_code == 200, gone.text
    other = await _tag(client, unique("new"))
    refused = await client.post(
        f"/tags/{other['id']}/members", json={"member_ids": [member]}, headers=STAFF
    )
    problem(refused, 422, "assigned-member-inactive", "body.member_ids.0")
    untagged = await client.post(f"{url}/remove", json={"member_ids": [member]}, headers=STAFF)
    assert untagged.json()["changed"] == 1


async def test_deleting_a_tag_untags_its_members(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    tagged = await members(client, 2)
    tag = await _tag(client, unique("gone"))
    await client.post(f"/tags/{tag['id']}/members", json={"member_ids": tagged}, headers=STAFF)
    deleted = await client.delete(f"/tags/{tag['id']}", headers=STAFF)
    assert deleted.json() == {"id": tag["id"], "untagged": 2}
    for member in tagged:
        last = (await updates(customer_sessions, member))[-1]
        assert (last["changed"], last["tags_removed"]) == (["tags"], [tag["id"]])
        assert (await client.get(f"/members/{member}", headers=STAFF)).json()["tags"] == []
    problem(
        await client.delete(f"/tags/{tag['id']}", headers=STAFF),
        404,
        "tag-not-found",
        "path.tag_id",
    )


async def test_only_staff_define_and_assign(client: httpx.AsyncClient) -> None:
    (member,) = await members(client, 1)
    as_member = member_headers(uuid.UUID(member))
    assert (await client.post("/tags", json={"name": "x"}, headers=as_member)).status_code == 403
    assert (await client.get("/tags", headers=as_member)).status_code == 403
