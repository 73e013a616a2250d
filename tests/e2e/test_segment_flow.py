"""A saved segment through four services over the real broker: a member buys through
orders, analytics' segment (net spend in one exact range, so only this test's member is
in it) is materialised and published as ``analytics.segment.changed``; messaging's copy
makes it a bulk send's audience and loyalty's a coupon grant's; deleting the segment
publishes ``analytics.segment.deleted`` and both copies forget it."""

from __future__ import annotations

import random
import uuid
from typing import Any

from tests.e2e.conftest import System
from tests.e2e.test_purchase_flow import _member, _ok, _program, _purchase, _store_key
from tests.stack import eventually, member_headers, staff_headers

MARKETING = staff_headers("marketing")


def _new_key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


async def _counted(system: System, member_id: str, spend_fen: int) -> bool:
    """Whether analytics has consumed the member's sale (a segment saved before that would
    rightly find nobody in its first run, and run again only on its schedule)."""
    response = await system["analytics"].get(
        f"/members/{member_id}/summary", headers=staff_headers("analyst")
    )
    return response.status_code == 200 and response.json()["net_spend_fen"] == spend_fen


async def _segment_published(system: System, spend_fen: int) -> dict[str, Any]:
    analytics = system["analytics"]
    body = {
        "name": "e2e 精确花费",
        "criterion": {"net_spend_fen": {"min": spend_fen, "max": spend_fen}},
    }
    created = _ok(await analytics.post("/segments", json=body, headers=MARKETING), 201)

    async def refreshed() -> dict[str, Any] | None:
        found = _ok(await analytics.get(f"/segments/{created['id']}", headers=MARKETING))
        return dict(found) if found["members"] == 1 else None

    segment: dict[str, Any] = await eventually(refreshed, timeout=30)
    return segment


async def test_a_segment_is_a_bulk_sends_and_a_grants_audience(system: System) -> None:
    await _program(system)
    key = await _store_key(system)
    buyer, other = await _member(system), await _member(system)
    spend = random.randrange(3_000_000_000, 4_000_000_000)
    await _purchase(system, key, buyer, spend)
    await _purchase(system, key, other, 1_000)
    await eventually(lambda: _counted(system, buyer["id"], spend), timeout=30)
    segment = await _segment_published(system, spend)
    members = _ok(
        await system["analytics"].get(f"/segments/{segment['id']}/members", headers=MARKETING)
    )
    assert [m["member_id"] for m in members["items"]] == [buyer["id"]]

    # messaging: a bulk send to the segment takes exactly its member
    broadcast = {
        "name": "e2e 分群群发",
        "audience": {"segment": segment["id"]},
        "channels": ["sms"],
    }

    async def drafted() -> dict[str, Any] | None:
        response = await system["messaging"].post(
            "/broadcasts", json=broadcast, headers=MARKETING | _new_key()
        )
        return None if response.status_code == 422 else dict(_ok(response, 201))

    draft = await eventually(drafted, timeout=30)
    started = _ok(
        await system["messaging"].post(f"/broadcasts/{draft['id']}/start", headers=MARKETING)
    )
    assert started["recipients"]["total"] == 1

    # loyalty: a grant to the segment's members
    definition = {
        "name": "分群专享满100减10",
        "terms": {"kind": "threshold_off", "threshold_fen": 10_000, "off_fen": 1_000},
        "valid_days": 7,
        "per_member_limit": 1,
    }
    loyalty = system["loyalty"]
    added = _ok(
        await loyalty.post("/coupons/definitions", json=definition, headers=MARKETING | _new_key()),
        201,
    )
    grant = {"audience": {"segments": [segment["id"]]}, "grant_key": f"e2e-{uuid.uuid4().hex[:8]}"}
    url = f"/coupons/definitions/{added['id']}/grants"

    async def granted() -> dict[str, Any] | None:
        response = await loyalty.post(url, json=grant, headers=MARKETING | _new_key())
        return None if response.status_code == 422 else dict(_ok(response, 202))

    batch = await eventually(granted, timeout=30)
    assert batch["total"] == 1

    async def holds_it() -> bool:
        listed = await loyalty.get(
            f"/members/{buyer['id']}/coupons", headers=member_headers(uuid.UUID(buyer["id"]))
        )
        return any(c["definition_id"] == added["id"] for c in _ok(listed)["items"])

    assert await eventually(holds_it, timeout=30)

    # deleting it: both copies forget the segment
    _ok(await system["analytics"].delete(f"/segments/{segment['id']}", headers=MARKETING))

    async def forgotten() -> bool:
        by_messaging = await system["messaging"].post(
            "/broadcasts", json=broadcast, headers=MARKETING | _new_key()
        )
        by_loyalty = await loyalty.post(url, json=grant, headers=MARKETING | _new_key())
        return by_messaging.status_code == 422 and by_loyalty.status_code == 422

    assert await eventually(forgotten, timeout=30)
