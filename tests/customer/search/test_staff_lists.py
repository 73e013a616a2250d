"""Each staff user's recently viewed and pinned members over HTTP."""

from __future__ import annotations

import uuid

import httpx

from services.customer.search.service import MAX_PINS, RECENT_KEPT
from shared.jwks import development_signer
from shared.tokens import issue_token
from tests.customer.conftest import new_phone
from tests.stack import member_headers, staff_headers


def _desk_user() -> dict[str, str]:
    """Headers of a service-staff user of their own (lists are per ``sub``)."""
    token = issue_token(development_signer(), subject=f"desk-{uuid.uuid4().hex}", role="service")
    return {"Authorization": f"Bearer {token}"}


async def _members(customer: httpx.AsyncClient, count: int) -> list[str]:
    ids = []
    for n in range(count):
        created = await customer.post(
            "/members", json={"name": f"周{n}", "phone": new_phone()}, headers=staff_headers()
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    return ids


async def test_recent_members_are_the_last_viewed_per_staff_user(
    customer: httpx.AsyncClient,
) -> None:
    me, colleague = _desk_user(), _desk_user()
    ids = await _members(customer, RECENT_KEPT + 2)
    for member_id in ids:
        assert (await customer.get(f"/members/{member_id}", headers=me)).status_code == 200
    await customer.get(f"/members/{ids[0]}", headers=me)  # viewed again: first now
    await customer.get(f"/members/{ids[0]}", headers=member_headers(uuid.UUID(ids[0])))
    recent = (await customer.get("/staff/me/recent-members", headers=me)).json()["items"]
    assert [item["id"] for item in recent] == [ids[0], *reversed(ids[3:])]
    assert "****" in recent[0]["phone_masked"]
    theirs = await customer.get("/staff/me/recent-members", headers=colleague)
    assert theirs.json()["items"] == []


async def test_pins_are_idempotent_paged_and_bounded(customer: httpx.AsyncClient) -> None:
    me = _desk_user()
    first, second = await _members(customer, 2)
    pinned = await customer.put(f"/staff/me/pinned-members/{first}", headers=me)
    assert pinned.status_code == 200, pinned.text
    again = await customer.put(f"/staff/me/pinned-members/{first}", headers=me)
    assert again.json()["since"] == pinned.json()["since"]
    await customer.put(f"/staff/me/pinned-members/{second}", headers=me)
    page = (await customer.get("/staff/me/pinned-members?limit=1", headers=me)).json()
    assert [item["id"] for item in page["items"]] == [first]
    rest = await customer.get(
        "/staff/me/pinned-members", params={"limit": 1, "cursor": page["next_cursor"]}, headers=me
    )
    assert [item["id"] for item in rest.json()["items"]] == [second]
    assert rest.json()["next_cursor"] is None
    for _ in range(2):
        gone = await customer.delete(f"/staff/me/pinned-members/{first}", headers=me)
        assert gone.status_code == 200
        assert gone.json() == {"member_id": first, "pinned": False}
    left = (await customer.get("/staff/me/pinned-members", headers=me)).json()["items"]
    assert [item["id"] for item in left] == [second]
    for member_id in await _members(customer, MAX_PINS - 1):
        assert (await customer.put(f"/staff/me/pinned-members/{member_id}", headers=me)).is_success
    over = await customer.put(f"/staff/me/pinned-members/{first}", headers=me)
    assert over.status_code == 409
    assert over.json()["type"] == "urn:huiyuan:problem:pin-limit-reached"
    assert (await customer.put(f"/staff/me/pinned-members/{second}", headers=me)).is_success


async def test_bad_pins_are_problems(customer: httpx.AsyncClient) -> None:
    me = _desk_user()
    unknown = await customer.put(f"/staff/me/pinned-members/{uuid.uuid4()}", headers=me)
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["location"] == "path.member_id"
    garbled = await customer.put("/staff/me/pinned-members/not-an-id", headers=me)
    assert garbled.status_code == 422
    assert "member_id" in garbled.json()["errors"][0]["location"]
    cursor = await customer.get("/staff/me/pinned-members?cursor=zzz", headers=me)
    assert cursor.status_code == 422
    assert cursor.json()["errors"][0]["location"] == "query.cursor"
    member = (await _members(customer, 1))[0]
    refused = await customer.get(
        "/staff/me/recent-members", headers=member_headers(uuid.UUID(member))
    )
    assert refused.status_code == 403
