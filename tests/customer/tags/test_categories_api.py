"""Categories over HTTP: the tree (create, rename, move, delete), its limits, moving
members into a category (one each), events, and the member's category with its path."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from services.customer.categories.domain import MAX_DEPTH
from services.customer.tags.domain import MAX_BULK
from shared.crypto import PiiCipher
from shared.db import Sessions
from shared.settings import DEV_PII_KEY
from tests.customer.tags.helpers import STAFF, members, problem, rows, unique, updates
from tests.stack import Stack, running

PHONE = PiiCipher(DEV_PII_KEY).encrypt("+8613900000000")  # the rows' phone, as stored


@pytest.fixture(scope="module")
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with running(stack.app("customer")) as client:
        yield client


async def _category(
    client: httpx.AsyncClient, name: str, parent: dict[str, Any] | None = None
) -> dict[str, Any]:
    body = {"name": name, "parent_id": parent["id"] if parent else None}
    answer = await client.post("/categories", json=body, headers=STAFF)
    assert answer.status_code == 201, answer.text
    category: dict[str, Any] = answer.json()
    return category


def _names(category: dict[str, Any]) -> list[str]:
    return [step["name"] for step in category["path"]]


async def test_a_tree_with_paths_and_names_unique_among_siblings(
    client: httpx.AsyncClient,
) -> None:
    retail = await _category(client, unique("零售客户"))
    group = await _category(client, unique("团购客户"))
    new = await _category(client, "新客户", retail)
    assert _names(new) == [retail["name"], "新客户"]
    assert new["parent_id"] == retail["id"]
    await _category(client, "新客户", group)  # another parent: allowed
    clash = await client.post(
        "/categories", json={"name": "新客户", "parent_id": retail["id"]}, headers=STAFF
    )
    problem(clash, 409, "member-category-name-taken", "body.name")
    orphan = await client.post(
        "/categories", json={"name": "x", "parent_id": str(uuid.uuid4())}, headers=STAFF
    )
    problem(orphan, 422, "member-category-parent-not-found", "body.parent_id")
    renamed = await client.patch(f"/categories/{new['id']}", json={"name": "老客户"}, headers=STAFF)
    assert _names(renamed.json()) == [retail["name"], "老客户"]


async def test_the_tree_is_at_most_five_levels(client: httpx.AsyncClient) -> None:
    chain = [await _category(client, unique("L1"))]
    for level in range(2, MAX_DEPTH + 1):
        chain.append(await _category(client, f"L{level}", chain[-1]))
    assert len(chain[-1]["path"]) == MAX_DEPTH
    deeper = await client.post(
        "/categories", json={"name": "L6", "parent_id": chain[-1]["id"]}, headers=STAFF
    )
    problem(deeper, 422, "member-category-too-deep", "body.parent_id")
    # a two-level subtree cannot move under level 4 either (it would reach level 6)
    other = await _category(client, unique("top"))
    await _category(client, "below", other)
    moved = await client.patch(
        f"/categories/{other['id']}", json={"parent_id": chain[3]["id"]}, headers=STAFF
    )
    problem(moved, 422, "member-category-too-deep", "body.parent_id")
    fits = await client.patch(
        f"/categories/{other['id']}", json={"parent_id": chain[2]["id"]}, headers=STAFF
    )
    assert fits.status_code == 200, fits.text
    assert len(fits.json()["path"]) == 4


async def test_a_move_under_its_own_descendant_is_refused(client: httpx.AsyncClient) -> None:
    top = await _category(client, unique("top"))
    child = await _category(client, "child", top)
    grandchild = await _category(client, "grandchild", child)
    for target in (top, grandchild):
        refused = await client.patch(
            f"/categories/{top['id']}", json={"parent_id": target["id"]}, headers=STAFF
        )
        problem(refused, 409, "member-category-cycle", "body.parent_id")


async def test_members_move_between_categories_and_search_follows_the_tree(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    retail = await _category(client, unique("零售客户"))
    new, old = await _category(client, "新客户", retail), await _category(client, "老客户", retail)
    group = await _category(client, unique("团购客户"))
    first, second = await members(client, 2)
    url = f"/categories/{new['id']}/members"
    answer = await client.post(url, json={"member_ids": [first, second]}, headers=STAFF)
    assert answer.json() == {"id": new["id"], "changed": 2, "unchanged": 0}
    before = await rows(customer_sessions)
    repeat = await client.post(url, json={"member_ids": [first, second]}, headers=STAFF)
    assert repeat.json() == {"id": new["id"], "changed": 0, "unchanged": 2}
    assert await rows(customer_sessions) == before

    async def found(category: dict[str, Any]) -> list[str]:
        page = await client.get("/members", params={"category": category["id"]}, headers=STAFF)
        assert page.status_code == 200, page.text
        return [m["id"] for m in page.json()["items"]]

    assert await found(retail) == [first, second]  # a category includes its descendants
    assert await found(new) == [first, second]
    moved = await client.post(
        f"/categories/{old['id']}/members", json={"member_ids": [first]}, headers=STAFF
    )
    assert moved.json()["changed"] == 1
    assert (await found(new), await found(old), await found(retail)) == (
        [second],
        [first],
        [first, second],
    )
    profile = (await client.get(f"/members/{first}", headers=STAFF)).json()
    assert profile["category"] == {
        "id": old["id"],
        "name": "老客户",
        "path": [{"id": retail["id"], "name": retail["name"]}, {"id": old["id"], "name": "老客户"}],
    }
    events = await updates(customer_sessions, first)
    assert [(e["changed"], e["category_id"]) for e in events] == [
        (["category"], new["id"]),
        (["category"], old["id"]),
    ]

    # moving 老客户 under 团购客户 moves its members out of 零售客户's results
    regrouped = await client.patch(
        f"/categories/{old['id']}", json={"parent_id": group["id"]}, headers=STAFF
    )
    assert _names(regrouped.json()) == [group["name"], "老客户"]
    assert (await found(retail), await found(group)) == ([second], [first])
    to_root = await client.patch(
        f"/categories/{old['id']}", json={"parent_id": None}, headers=STAFF
    )
    assert _names(to_root.json()) == ["老客户"]
    assert (await found(group), await found(old)) == ([], [first])
    assert len(await updates(customer_sessions, first)) == 2  # the tree's moves are no member's


async def test_only_an_empty_category_is_deleted(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    top = await _category(client, unique("top"))
    child = await _category(client, "child", top)
    (member,) = await members(client, 1)
    await client.post(
        f"/categories/{child['id']}/members", json={"member_ids": [member]}, headers=STAFF
    )
    for category, what in ((top, "sub-categories"), (child, "members")):
        refused = await client.delete(f"/categories/{category['id']}", headers=STAFF)
        problem(refused, 409, "member-category-not-empty", "path.category_id")
        assert what in refused.json()["detail"]
    elsewhere = await _category(client, unique("elsewhere"))
    await client.post(
        f"/categories/{elsewhere['id']}/members", json={"member_ids": [member]}, headers=STAFF
    )
    out = f"/categories/{elsewhere['id']}/members/remove"
    taken = await client.post(out, json={"member_ids": [member]}, headers=STAFF)
    assert taken.json() == {"id": elsewhere["id"], "changed": 1, "unchanged": 0}
    again = await client.post(out, json={"member_ids": [member]}, headers=STAFF)
    assert again.json() == {"id": elsewhere["id"], "changed": 0, "unchanged": 1}
    assert (await client.get(f"/members/{member}", headers=STAFF)).json()["category"] is None
    last = (await updates(customer_sessions, member))[-1]
    assert (last["changed"], last["category_id"]) == (["category"], None)
    assert (await client.delete(f"/categories/{elsewhere['id']}", headers=STAFF)).status_code == 200
    deleted = await client.delete(f"/categories/{child['id']}", headers=STAFF)
    assert deleted.json() == {"id": child["id"], "deleted": True}
    assert (await client.delete(f"/categories/{top['id']}", headers=STAFF)).status_code == 200
    gone = await client.delete(f"/categories/{top['id']}", headers=STAFF)
    problem(gone, 404, "member-category-not-found", "path.category_id")


async def test_an_unknown_member_refuses_the_whole_move(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    category = await _category(client, unique("c"))
    (member,) = await members(client, 1)
    before = await rows(customer_sessions)
    refused = await client.post(
        f"/categories/{category['id']}/members",
        json={"member_ids": [member, str(uuid.uuid4())]},
        headers=STAFF,
    )
    problem(refused, 422, "unknown-member", "body.member_ids.1")
    assert await rows(customer_sessions) == before


async def test_a_full_batch_of_1000_at_the_deepest_level(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    batch = uuid.uuid4().hex[:6]
    async with customer_sessions() as session, session.begin():
        inserted = await session.execute(
            text(
                "INSERT INTO customer.members (id, card_number, name, phone_encrypted, "
                "phone_hash, locale, consent_sms, consent_email, referral_code, version, "
                "locked, restricted, status, created_at, updated_at) SELECT gen_random_uuid(), "
                ":batch || n, '批量', :phone, :batch || n, 'zh-CN', false, false, :batch || n, 1, "
                "false, false, 'active', now(), now() FROM generate_series(1, :count) AS n "
                "RETURNING id"
            ),
            {"batch": f"b{batch}-", "count": MAX_BULK, "phone": PHONE},
        )
        ids = [str(row[0]) for row in inserted]
    try:
        chain = [await _category(client, unique("L1"))]
        for level in range(2, MAX_DEPTH + 1):
            chain.append(await _category(client, f"L{level}", chain[-1]))
        moved = await client.post(
            f"/categories/{chain[-1]['id']}/members", json={"member_ids": ids}, headers=STAFF
        )
        assert moved.json() == {"id": chain[-1]["id"], "changed": MAX_BULK, "unchanged": 0}
        page = await client.get(
            "/members", params={"category": chain[0]["id"], "limit": 200}, headers=STAFF
        )
        assert page.status_code == 200, page.text
        assert len(page.json()["items"]) == 200
        assert page.json()["next_cursor"] is not None
        tag = await client.post("/tags", json={"name": unique("bulk")}, headers=STAFF)
        tagged = await client.post(
            f"/tags/{tag.json()['id']}/members", json={"member_ids": ids}, headers=STAFF
        )
        assert tagged.json()["changed"] == MAX_BULK
    finally:  # other modules page through every member: leave them as many as they were
        async with customer_sessions() as session, session.begin():
            await session.execute(
                text("DELETE FROM customer.members WHERE card_number LIKE :batch || '%'"),
                {"batch": f"b{batch}-"},
            )


async def test_a_name_of_forty_characters_whose_compared_form_is_longer_is_kept(
    client: httpx.AsyncClient,
) -> None:
    """Names are compared NFKC and case-folded, a form that can be longer than the name:
    ``½`` is ``1⁄2``, ``ß`` and ``ẞ`` are ``ss``. A tag or a category of 40 such characters answered
    500 (the fuzz found it); it is created, and its compared form still refuses a twin."""
    root = await _category(client, unique("根"))
    for path, name, twin in (
        ("/tags", "½" * 38 + uuid.uuid4().hex[:2], None),
        ("/categories", "ß" * 40, "ẞ" * 40),  # the capital sharp s folds to ss too
    ):
        body: dict[str, Any] = {"name": name}
        if path == "/categories":
            body["parent_id"] = root["id"]
        made = await client.post(path, json=body, headers=STAFF)
        assert made.status_code == 201, made.text
        assert made.json()["name"] == name
        if twin is not None:
            clash = await client.post(path, json=body | {"name": twin}, headers=STAFF)
            problem(clash, 409, "member-category-name-taken", "body.name")
