"""A complaint from open to survey over the broker: recorded at the desk, judged, assigned,
resolved; messaging sends the member the survey by email and SMS (the real SMTP server
and SMS endpoint receive it); the member answers it once."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.e2e.conftest import System
from tests.stack import eventually, member_headers, staff_headers

DESK = staff_headers("service")


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json()


async def test_a_complaint_from_open_to_survey(system: System) -> None:
    customer = system["customer"]
    phone = f"137{uuid.uuid4().int % 10**8:08d}"
    email = f"desk-{uuid.uuid4().hex[:8]}@example.com"
    member = _ok(
        await customer.post(
            "/members",
            json={
                "name": "王芳",
                "phone": phone,
                "email": email,
                "consent": {"sms": True, "email": True},
            },
            headers=DESK,
        ),
        201,
    )
    ticket = _ok(
        await customer.post(
            "/tickets",
            json={
                "kind": "complaint",
                "channel": "hotline",
                "priority": "high",
                "member_id": member["id"],
                "description": "门店店员态度差",
            },
            headers=DESK | {"Idempotency-Key": f"e2e-{uuid.uuid4()}"},
        ),
        201,
    )
    for step, body in [
        ("judgement", {"valid": True}),
        ("assignment", {"assignee": "wang.fang"}),
        ("resolution", {"resolution": "店长已致歉并培训店员"}),
    ]:
        _ok(await customer.post(f"/tickets/{ticket['id']}/{step}", json=body, headers=DESK))

    link = f"/tickets/{ticket['id']}/survey"

    async def surveyed() -> bool:
        inbox = system.providers.inbox()
        by_mail = any(
            email in mail.rcpt_tos and link in mail.text and f"{ticket['number']}" in mail.subject
            for mail in inbox.emails
        )
        by_sms = any(message.to == f"+86{phone}" and link in message.text for message in inbox.sms)
        return by_mail and by_sms

    await eventually(surveyed, timeout=30)

    mine = member_headers(uuid.UUID(member["id"]))
    answered = _ok(await customer.post(link, json={"score": 5, "comment": "满意"}, headers=mine))
    assert answered["state"] == "resolved"
    again = await customer.post(link, json={"score": 2}, headers=mine)
    assert again.status_code == 409
    read = _ok(await customer.get(f"/tickets/{ticket['id']}", headers=mine))
    assert (read["survey_score"], read["survey_comment"]) == (5, "满意")
