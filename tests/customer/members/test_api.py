from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import func, select

from services.customer.base import outbox
from services.customer.members.domain import card_number
from services.customer.members.models import Member
from shared.db import Sessions
from shared.jwks import development_signer
from shared.tokens import MAX_SUBJECT_LENGTH, issue_token
from tests.customer.conftest import new_phone
from tests.stack import Stack, member_headers, running, staff_headers


async def test_register_then_read_member(stack: Stack, customer_sessions: Sessions) -> None:
    async with running(stack.app("customer")) as client:
        phone = new_phone()
        created = await client.post(
            "/members",
            json={
                "name": "李雷",
                "phone": phone,
                "email": "lilei@example.com",
                "consent": {"sms": True, "email": True},
            },
            headers=staff_headers("service"),
        )
        assert created.status_code == 201, created.text
        member_id = uuid.UUID(created.json()["id"])
        read = await client.get(f"/members/{member_id}", headers=member_headers(member_id))
        assert read.status_code == 200
        assert read.json()["phone"] == f"+86{phone}"
        spelled = f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}"
        listed = await client.get("/members", params={"phone": spelled}, headers=staff_headers())
        assert listed.json()["items"][0]["phone_masked"] == f"+86 {phone[:3]}****{phone[-4:]}"
    async with customer_sessions() as session:
        stored = await session.get(Member, member_id)
        assert stored is not None
        assert phone not in stored.phone_encrypted
        count = await session.scalar(
            select(func.count())
            .select_from(outbox.table)
            .where(outbox.table.c.key == str(member_id))
        )
        assert count == 1


async def test_bad_phone_is_a_problem(stack: Stack) -> None:
    async with running(stack.app("customer")) as client:
        response = await client.post(
            "/members", json={"name": "x", "phone": "12345"}, headers=staff_headers()
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert "phone" in response.json()["detail"]


async def test_a_number_abroad_is_not_taken_for_a_mainland_one(stack: Stack) -> None:
    """+1 312 555 0147 used to be stored as 13125550147, a mainland number."""
    async with running(stack.app("customer")) as client:
        area = 200 + uuid.uuid4().int % 700
        abroad, mainland = f"+1 {area} 555 0147", f"1{area}5550147"
        for phone in (abroad, mainland):
            response = await client.post(
                "/members", json={"name": "Lee", "phone": phone}, headers=staff_headers()
            )
            if response.status_code == 422:  # that area code (or mainland prefix) is unused
                return
            assert response.status_code == 201, response.text
        found = await client.get(
            "/members", params={"phone": f"001{area}5550147"}, headers=staff_headers()
        )
        (member,) = found.json()["items"]
        assert member["phone_masked"] == f"+1 {area}***0147"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "   ", "must not be blank"),
        ("name", "李\u0000雷", "must not contain a control character"),
        ("birthday", "2099-01-01", "must not be in the future"),
        ("email", "lilei@example.com\r\nBcc: x@example.com", ""),
    ],
)
async def test_bad_profile_fields_are_problems_naming_the_field(
    stack: Stack, field: str, value: str, message: str
) -> None:
    async with running(stack.app("customer")) as client:
        body = {"name": "李雷", "phone": new_phone(), field: value}
        response = await client.post("/members", json=body, headers=staff_headers())
        assert response.status_code == 422
        (error,) = response.json()["errors"]
        assert error["location"] == f"body.{field}"
        assert error["message"].startswith(message)


async def test_listing_pages_through_members_with_masked_contacts(stack: Stack) -> None:
    async with running(stack.app("customer")) as client:
        for _ in range(3):
            response = await client.post(
                "/members", json={"name": "王芳", "phone": new_phone()}, headers=staff_headers()
            )
            assert response.status_code == 201
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
            page = (await client.get("/members", params=params, headers=staff_headers())).json()
            seen += [item["id"] for item in page["items"]]
            assert all("***" in item["phone_masked"] for item in page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) >= 3
        bad = await client.get("/members", params={"cursor": "nope"}, headers=staff_headers())
        assert bad.status_code == 422


async def test_a_replayed_registration_returns_the_same_member(stack: Stack) -> None:
    async with running(stack.app("customer")) as client:
        body = {"name": "韩梅梅", "phone": new_phone()}
        headers = {**staff_headers("service"), "Idempotency-Key": uuid.uuid4().hex}
        first = await client.post("/members", json=body, headers=headers)
        again = await client.post("/members", json=body, headers=headers)
        assert first.status_code == again.status_code == 201
        assert first.content == again.content
        assert again.headers["Idempotent-Replayed"] == "true"
        changed = await client.post("/members", json=body | {"name": "李雷"}, headers=headers)
        assert changed.status_code == 422
        assert "different request body" in changed.json()["detail"]
        duplicate = await client.post("/members", json=body, headers=staff_headers("service"))
        assert duplicate.status_code == 409
        assert "Retry-After" not in duplicate.headers  # not in progress: a retry will not help
        analyst = await client.post("/members", json=body, headers=staff_headers("analyst"))
        assert analyst.status_code == 403


def _spellings(national: str) -> list[str]:
    """``national`` (``139xxxxxxxx``) the ways people type it."""
    head, middle, tail = national[:3], national[3:7], national[7:]
    full_width = national.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    return [
        national,
        f"{head} {middle} {tail}",
        f"+86 {head}-{middle}-{tail}",
        f"+86{national}",
        f"0086 {national}",
        f"(+86) {head}.{middle}.{tail}",
        full_width,
        f" {national} ",
    ]


async def test_a_member_is_found_whichever_way_their_number_is_typed(
    customer: httpx.AsyncClient,
) -> None:
    national = new_phone()
    created = await customer.post(
        "/members", json={"name": "王芳", "phone": national}, headers=staff_headers("service")
    )
    assert created.status_code == 201, created.text
    for typed in _spellings(national):
        found = await customer.get("/members", params={"phone": typed}, headers=staff_headers())
        assert found.status_code == 200, (typed, found.text)
        assert [item["id"] for item in found.json()["items"]] == [created.json()["id"]], typed


@pytest.mark.parametrize("typed", [1, 2, 3, 4, 5, 6])
async def test_a_number_typed_another_way_is_already_registered(
    customer: httpx.AsyncClient, typed: int
) -> None:
    national = new_phone()
    first = await customer.post(
        "/members", json={"name": "王芳", "phone": national}, headers=staff_headers("service")
    )
    assert first.status_code == 201
    again = await customer.post(
        "/members",
        json={"name": "王芳", "phone": _spellings(national)[typed]},
        headers=staff_headers("service"),
    )
    assert again.status_code == 409
    problem = again.json()
    assert problem["type"] == "urn:huiyuan:problem:phone-registered"
    assert problem["errors"][0]["location"] == "body.phone"


async def test_a_lookup_by_card_and_phone_finds_only_the_member_who_has_both(
    customer: httpx.AsyncClient,
) -> None:
    members = []
    for name in ("甲", "乙"):
        phone = new_phone()
        created = await customer.post(
            "/members", json={"name": name, "phone": phone}, headers=staff_headers("service")
        )
        members.append((created.json()["id"], created.json()["card_number"], phone))
    (first_id, first_card, first_phone), (_, second_card, _) = members

    async def found(**params: str) -> list[str]:
        page = await customer.get("/members", params=params, headers=staff_headers("analyst"))
        assert page.status_code == 200, page.text
        assert page.json()["next_cursor"] is None
        return [item["id"] for item in page.json()["items"]]

    assert await found(card_number=first_card) == [first_id]
    assert await found(card_number=first_card, phone=first_phone) == [first_id]
    assert await found(card_number=second_card, phone=first_phone) == []
    assert await found(card_number=card_number("8860", 99_999_999)) == []  # nobody's


@pytest.mark.parametrize("length", [100, MAX_SUBJECT_LENGTH])
async def test_a_long_token_subject_registers_and_replays(
    customer: httpx.AsyncClient, length: int
) -> None:
    """A staff login of about 100 characters used to overflow the idempotency scope (500)."""
    subject = ("ops." + "x" * length)[:length]
    token = issue_token(development_signer(), subject=subject, role="service")
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
    body = {"name": "韩梅梅", "phone": new_phone()}
    first = await customer.post("/members", json=body, headers=headers)
    again = await customer.post("/members", json=body, headers=headers)
    assert first.status_code == again.status_code == 201, first.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
