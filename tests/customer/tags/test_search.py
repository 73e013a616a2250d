"""GET /members with tag and category: alone (an index range), with q, name or initial,
keyset-paged in joining order; refusals naming the parameter."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.customer.search import repository as search_repository
from tests.customer.tags.helpers import STAFF, members, problem, unique
from tests.stack import Stack, running


@pytest.fixture(scope="module")
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with running(stack.app("customer")) as client:
        yield client


async def _made(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> str:
    answer = await client.post(path, json=body, headers=STAFF)
    assert answer.status_code == 201, answer.text
    made: str = answer.json()["id"]
    return made


async def _put(client: httpx.AsyncClient, path: str, member_ids: list[str]) -> None:
    answer = await client.post(path, json={"member_ids": member_ids}, headers=STAFF)
    assert answer.status_code == 200, answer.text


async def _found(client: httpx.AsyncClient, **params: str) -> list[str]:
    ids: list[str] = []
    query: dict[str, str | int] = {**params, "limit": 2}
    while True:
        answer = await client.get("/members", params=query, headers=STAFF)
        assert answer.status_code == 200, answer.text
        ids += [m["id"] for m in answer.json()["items"]]
        if (cursor := answer.json()["next_cursor"]) is None:
            return ids
        query["cursor"] = cursor


@pytest.mark.parametrize("scan_cap", [None, 1], ids=["small groups drive", "names drive"])
async def test_tag_and_category_combine_with_each_other_and_with_q(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, scan_cap: int | None
) -> None:
    """With a name part, a tag or category under the scan cap drives the page (its rows
    checked by name); with the cap at 1 every group is "large" and the name drives: the
    same answers either way."""
    if scan_cap is not None:
        monkeypatch.setattr(search_repository, "SCAN_CAP", scan_cap)
    surname = unique("Zq")  # a Latin name part no other test uses
    lis = await members(client, 3, name=f"{surname} Li")
    wangs = await members(client, 2, name="王芳")
    tag = await _made(client, "/tags", {"name": unique("VIP")})
    top = await _made(client, "/categories", {"name": unique("零售客户")})
    child = await _made(client, "/categories", {"name": "新客户", "parent_id": top})
    await _put(client, f"/tags/{tag}/members", [lis[0], lis[2], wangs[1]])
    await _put(client, f"/categories/{child}/members", [lis[2], wangs[0], wangs[1]])

    assert await _found(client, tag=tag) == [lis[0], lis[2], wangs[1]]  # paged by 2
    assert await _found(client, category=top) == [lis[2], wangs[0], wangs[1]]
    assert await _found(client, tag=tag, category=top) == [lis[2], wangs[1]]
    assert await _found(client, tag=tag, q=surname) == [lis[0], lis[2]]
    assert await _found(client, tag=tag, name=surname.lower()) == [lis[0], lis[2]]
    assert await _found(client, category=child, q="王") == [wangs[0], wangs[1]]
    assert await _found(client, category=top, name=surname, initial="Z") == [lis[2]]
    assert await _found(client, tag=tag, initial="Z") == [lis[0], lis[2]]
    card = (await client.get(f"/members/{lis[1]}", headers=STAFF)).json()["card_number"]
    assert await _found(client, q=card) == [lis[1]]
    assert await _found(client, q=card, tag=tag) == []  # the card's member has no such tag


async def test_unknown_ids_and_a_lookup_with_a_tag_are_refused(
    client: httpx.AsyncClient,
) -> None:
    stranger = str(uuid.uuid4())
    for parameter in ("tag", "category"):
        answer = await client.get("/members", params={parameter: stranger}, headers=STAFF)
        problem(answer, 422, "search-scope-not-found", f"query.{parameter}")
        garbled = await client.get("/members", params={parameter: "vip"}, headers=STAFF)
        problem(garbled, 422, "invalid-request", f"query.{parameter}")
    tag = await _made(client, "/tags", {"name": unique("t")})
    clash = await client.get(
        "/members", params={"tag": tag, "card_number": "8860000000017"}, headers=STAFF
    )
    problem(clash, 422, "search-parameters-clash", "query.tag")
