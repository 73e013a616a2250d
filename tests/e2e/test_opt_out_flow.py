"""A member replies 退订 to an SMS, over the broker and the real providers: the local
gateway calls messaging's signed webhook, messaging stops marketing SMS at once and tells
customer, customer records the consent change and publishes it. The next marketing SMS
(a ticket's survey) is suppressed while the transactional one (points earned) is sent."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.e2e.conftest import SMS_KEY, System
from tests.e2e.test_purchase_flow import _member, _program, _purchase, _store_key
from tests.stack import eventually, staff_headers

DESK = staff_headers("service")


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json()


async def _reply(system: System, phone: str, text: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=system.providers.sms_url) as gateway:
        answer = await gateway.post(
            "/v1/replies",
            json={"from": phone, "text": text},
            headers={"Authorization": f"Bearer {SMS_KEY}"},
        )
    return dict(_ok(answer))


async def _resolve_a_ticket(system: System, member_id: str) -> None:
    ticket = _ok(
        await system["customer"].post(
            "/tickets",
            json={
                "kind": "complaint",
                "channel": "hotline",
                "priority": "high",
                "member_id": member_id,
                "description": "赠品缺货",
            },
            headers=DESK | {"Idempotency-Key": f"e2e-{uuid.uuid4()}"},
        ),
        201,
    )
    for step, body in [
        ("judgement", {"valid": True}),
        ("assignment", {"assignee": "wang.fang"}),
        ("resolution", {"resolution": "已补发赠品"}),
    ]:
        url = f"/tickets/{ticket['id']}/{step}"
        _ok(await system["customer"].post(url, json=body, headers=DESK))


async def test_a_reply_tui_ding_stops_marketing_sms_but_not_points(system: System) -> None:
    await _program(system)
    key = await _store_key(system)
    member = await _member(system)
    phone, member_id = member["phone"], member["id"]

    def sms_to_member() -> list[str]:
        return [sms.text for sms in system.providers.inbox().sms if sms.to == phone]

    async def welcomed() -> bool:
        return bool(sms_to_member())

    await eventually(welcomed, timeout=30)

    replied = await _reply(system, phone, "退订")
    assert replied["callback"]["action"] == "opted_out"
    assert replied["callback"]["members"] == 1

    async def marketing_withdrawn() -> bool:
        read = _ok(await system["customer"].get(f"/members/{member_id}", headers=DESK))
        return bool(read["consent"]["marketing"] == {"sms": False, "email": True})

    await eventually(marketing_withdrawn, timeout=30)  # messaging → customer over the broker

    await _resolve_a_ticket(system, member_id)
    await _purchase(system, key, member, 12_800)

    async def settled() -> dict[tuple[str, str], dict[str, Any]] | None:
        listed = _ok(
            await system["messaging"].get(f"/members/{member_id}/notifications", headers=DESK)
        )
        rows = {(row["template"], row["channel"]): row for row in listed["items"]}
        wanted = [("ticket_survey", "sms"), ("ticket_survey", "email"), ("points_earned", "sms")]
        pending = ("queued", "deferred", "sending")
        if all(k in rows and rows[k]["status"] not in pending for k in wanted):
            return rows
        return None

    rows = await eventually(settled, timeout=30)
    assert rows[("ticket_survey", "sms")]["status"] == "suppressed"
    assert rows[("ticket_survey", "sms")]["error"] == "member has not consented to marketing on sms"
    assert rows[("ticket_survey", "email")]["status"] == "sent"
    assert rows[("points_earned", "sms")]["status"] == "sent"
    assert not any("/survey" in text for text in sms_to_member())

    # a second 退订 finds marketing already off: no second consent change
    again = await _reply(system, phone, "TD")
    assert again["callback"]["action"] == "opted_out"
    history = _ok(await system["customer"].get(f"/members/{member_id}/history", headers=DESK))
    changes = [item for item in history["items"] if item["action"] == "consent_changed"]
    assert [(item["fields"], item["actor_kind"]) for item in changes] == [
        (["marketing.sms"], "member")
    ]
