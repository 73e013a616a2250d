"""A referral over the broker: a friend registers with a member's code at customer, and
the member's referral list at loyalty shows them, masked and pending (issue 14's first
slice; the reward after the friend's first paid purchase comes next)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.e2e.conftest import System
from tests.stack import eventually, member_headers, staff_headers

STAFF = staff_headers("service")


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json()


async def _register(system: System, code: str | None = None) -> uuid.UUID:
    body = {"name": "王芳", "phone": f"136{uuid.uuid4().int % 10**8:08d}"}
    body |= {"referral_code": code} if code else {}
    created = _ok(await system["customer"].post("/members", json=body, headers=STAFF), 201)
    return uuid.UUID(created["id"])


async def test_a_friend_registered_with_a_code_is_listed_to_the_referrer(
    system: System,
) -> None:
    referrer = await _register(system)
    mine = member_headers(referrer)
    code = _ok(await system["customer"].get(f"/members/{referrer}", headers=mine))
    friend = await _register(system, code["referral_code"].lower())

    async def listed() -> list[dict[str, Any]]:
        answer = _ok(await system["loyalty"].get(f"/members/{referrer}/referrals", headers=mine))
        items: list[dict[str, Any]] = answer["items"]
        return items

    (item,) = await eventually(listed, timeout=30)
    assert (item["friend"], item["state"]) == ("****" + friend.hex[-4:], "pending")
