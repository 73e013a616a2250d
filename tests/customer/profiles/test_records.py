"""Consent records and the profile history: when each channel's consent was given or
withdrawn, by whom and under which privacy policy; who changed a profile and when, by
field name, never by value."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from services.customer.base import outbox
from shared.db import Sessions
from tests.customer.conftest import new_phone
from tests.customer.imports.conftest import imported
from tests.stack import member_headers, staff_headers

SERVICE = staff_headers("service")
POLICY = "2026-11-01"  # the privacy_policy_version setting's default


async def _register(customer: httpx.AsyncClient) -> str:
    body = {"name": "李雷", "phone": new_phone(), "consent": {"sms": True, "email": False}}
    created = await customer.post("/members", json=body, headers=SERVICE)
    assert created.status_code == 201, created.text
    member_id: str = created.json()["id"]
    return member_id


async def _record(customer: httpx.AsyncClient, member_id: str) -> dict[str, Any]:
    profile = await customer.get(f"/members/{member_id}", headers=SERVICE)
    record: dict[str, Any] = profile.json()["consent_record"]
    return record


async def test_each_channel_keeps_when_and_by_whom_its_consent_changed(
    customer: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    member_id = await _register(customer)
    at_registration = await _record(customer, member_id)
    assert at_registration["sms"] | {"changed_at": None} == {
        "consented": True,
        "changed_at": None,
        "changed_by": "staff",
        "actor": "test-service",
        "privacy_policy_version": POLICY,
    }
    assert at_registration["email"]["consented"] is False

    own = member_headers(uuid.UUID(member_id))
    put = await customer.put(
        f"/members/{member_id}/consent", json={"sms": False, "email": False}, headers=own
    )
    assert put.status_code == 200, put.text
    assert put.json()["consent_record"]["sms"]["changed_by"] == "member"  # the answer shows it

    record = await _record(customer, member_id)
    assert (record["sms"]["consented"], record["sms"]["changed_by"]) == (False, "member")
    assert record["sms"]["actor"] == f"member-{member_id}"
    assert record["email"] == at_registration["email"]  # unchanged: still as registered
    async with customer_sessions() as session:
        (event,) = await session.scalars(
            select(outbox.table.c.envelope).where(
                outbox.table.c.key == member_id,
                outbox.table.c.event_type == "customer.member.consent_changed",
            )
        )
    assert event["data"]["privacy_policy_version"] == POLICY
    assert event["data"]["changed_at"].replace("Z", "+00:00") == record["sms"][
        "changed_at"
    ].replace("Z", "+00:00")

    # marketing per channel: recorded at registration as the channel's choice, then apart
    assert at_registration["marketing"]["sms"]["consented"] is True
    assert at_registration["marketing"]["email"]["consented"] is False
    assert record["marketing"] == at_registration["marketing"]  # a channel change kept it
    marketing = {"sms": False, "email": False, "marketing": {"sms": False, "email": False}}
    put = await customer.put(f"/members/{member_id}/consent", json=marketing, headers=own)
    assert put.status_code == 200, put.text
    after = await _record(customer, member_id)
    assert (after["marketing"]["sms"]["consented"], after["marketing"]["sms"]["changed_by"]) == (
        False,
        "member",
    )
    assert after["marketing"]["email"] == at_registration["marketing"]["email"]
    assert after["sms"] == record["sms"]


async def test_an_imported_members_consent_is_recorded_as_the_imports(
    customer: httpx.AsyncClient,
) -> None:
    phone = new_phone()
    job = await imported(customer, f"name,phone,consent_sms\r\n韩梅梅,{phone},true\r\n".encode())
    assert job["imported"] == 1, job
    found = await customer.get("/members", params={"phone": phone}, headers=SERVICE)
    record = await _record(customer, found.json()["items"][0]["id"])
    assert {
        channel: (r["consented"], r["changed_by"], r["privacy_policy_version"])
        for channel, r in record.items()
        if channel != "marketing"
    } == {
        "sms": (True, "import", None),
        "email": (False, "import", None),
    }
    assert record["marketing"] == {"sms": None, "email": None}  # the channels' own apply


async def test_the_history_names_who_changed_what_and_never_a_value(
    customer: httpx.AsyncClient,
) -> None:
    member_id = await _register(customer)
    url = f"/members/{member_id}"
    own = member_headers(uuid.UUID(member_id))
    new = new_phone()
    edited = await customer.patch(
        url, json={"phone": new, "occupation": "教师"}, headers=own | {"If-Match": '"1"'}
    )
    assert edited.status_code == 200, edited.text
    await customer.patch(url, json={"restricted": True}, headers=SERVICE | {"If-Match": '"2"'})
    await customer.put(f"{url}/consent", json={"sms": True, "email": True}, headers=own)
    await customer.post(f"{url}/lock", headers=SERVICE)
    await customer.post(f"{url}/lock", headers=SERVICE)  # already locked: no line
    await customer.post(f"{url}/unlock", headers=SERVICE)
    await customer.post(f"{url}/deactivate", headers=SERVICE)
    await customer.post(f"{url}/reactivate", headers=SERVICE)

    first = await customer.get(f"{url}/history", params={"limit": 4}, headers=SERVICE)
    assert first.status_code == 200, first.text
    rest = await customer.get(
        f"{url}/history", params={"cursor": first.json()["next_cursor"]}, headers=SERVICE
    )
    assert rest.json()["next_cursor"] is None
    lines = first.json()["items"] + rest.json()["items"]
    assert [(line["action"], line["fields"], line["actor_kind"]) for line in lines] == [
        ("reactivated", [], "staff"),
        ("deactivated", [], "staff"),
        ("unlocked", [], "staff"),
        ("locked", [], "staff"),
        ("consent_changed", ["email"], "member"),
        ("restricted", [], "staff"),
        ("updated", ["phone", "occupation"], "member"),
    ]
    assert lines[-1]["actor"] == f"member-{member_id}"
    assert new not in first.text + rest.text
    assert "教师" not in first.text + rest.text


async def test_the_history_is_for_admin_and_service_staff(customer: httpx.AsyncClient) -> None:
    member_id = await _register(customer)
    url = f"/members/{member_id}/history"
    assert (await customer.get(url, headers=staff_headers("marketing"))).status_code == 403
    own = member_headers(uuid.UUID(member_id))
    assert (await customer.get(url, headers=own)).status_code == 403
    assert (await customer.get(url, headers=staff_headers("admin"))).json()["items"] == []
    unknown = await customer.get(f"/members/{uuid.uuid4()}/history", headers=SERVICE)
    assert unknown.status_code == 404


async def test_the_consent_history_keeps_every_change_with_its_policy(
    customer: httpx.AsyncClient,
) -> None:
    member_id = await _register(customer)
    own = member_headers(uuid.UUID(member_id))
    url = f"/members/{member_id}/consent"
    for body in (
        {"sms": False, "email": False},
        {"sms": True, "email": False},
        {"sms": True, "email": False, "marketing": {"sms": False, "email": False}},
    ):
        assert (await customer.put(url, json=body, headers=own)).status_code == 200
    first = await customer.get(f"{url}/history", params={"limit": 3}, headers=own)
    assert first.status_code == 200, first.text
    rest = await customer.get(
        f"{url}/history", params={"cursor": first.json()["next_cursor"]}, headers=SERVICE
    )
    changes = first.json()["items"] + rest.json()["items"]
    assert rest.json()["next_cursor"] is None
    seen = [(c["channel"], c["message_class"], c["consented"], c["changed_by"]) for c in changes]
    # latest first; registration set all four, then each PUT only what it changed
    assert seen[:3] == [
        ("sms", "marketing", False, "member"),
        ("sms", "channel", True, "member"),
        ("sms", "channel", False, "member"),
    ]
    assert sorted(seen[3:]) == [
        ("email", "channel", False, "staff"),
        ("email", "marketing", False, "staff"),
        ("sms", "channel", True, "staff"),
        ("sms", "marketing", True, "staff"),
    ]
    assert {c["privacy_policy_version"] for c in changes} == {POLICY}
    current = await _record(customer, member_id)
    assert current["sms"] | {"channel": "sms", "message_class": "channel"} == changes[1]


async def test_an_imports_consent_starts_its_history(customer: httpx.AsyncClient) -> None:
    phone = new_phone()
    job = await imported(customer, f"name,phone,consent_sms\r\n韩梅梅,{phone},true\r\n".encode())
    assert job["imported"] == 1, job
    found = await customer.get("/members", params={"phone": phone}, headers=SERVICE)
    member_id = found.json()["items"][0]["id"]
    history = await customer.get(f"/members/{member_id}/consent/history", headers=SERVICE)
    assert sorted(
        (c["channel"], c["consented"], c["changed_by"]) for c in history.json()["items"]
    ) == [
        ("email", False, "import"),
        ("sms", True, "import"),
    ]


async def test_another_member_or_marketing_may_not_read_the_consent_history(
    customer: httpx.AsyncClient,
) -> None:
    member_id = await _register(customer)
    url = f"/members/{member_id}/consent/history"
    assert (await customer.get(url, headers=staff_headers("marketing"))).status_code == 403
    assert (await customer.get(url, headers=member_headers(uuid.uuid4()))).status_code == 403
    unknown = await customer.get(f"/members/{uuid.uuid4()}/consent/history", headers=SERVICE)
    assert unknown.status_code == 404
