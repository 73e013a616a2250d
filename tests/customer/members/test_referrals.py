"""Referral codes at registration: every member gets one; naming one records the referrer
and publishes ``customer.member.referred`` with ids only."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select

from services.customer.base import outbox
from services.customer.members.models import Member
from shared import codes
from shared.db import Sessions
from shared.events import CloudEvent
from shared.events.customer import MemberReferred
from tests.customer.conftest import new_phone, row_counts
from tests.stack import member_headers, staff_headers


async def _register(
    customer: httpx.AsyncClient, phone: str, code: str | None = None
) -> httpx.Response:
    body = {"name": "王芳", "phone": phone} | ({"referral_code": code} if code else {})
    return await customer.post("/members", json=body, headers=staff_headers("service"))


async def _own_code(customer: httpx.AsyncClient, member_id: str) -> str:
    read = await customer.get(f"/members/{member_id}", headers=member_headers(uuid.UUID(member_id)))
    code: str = read.json()["referral_code"]
    return code


async def _events(sessions: Sessions, member_id: str) -> list[CloudEvent]:
    async with sessions() as session:
        rows = await session.execute(
            select(outbox.table.c.envelope)
            .where(outbox.table.c.key == member_id)
            .order_by(outbox.table.c.seq)
        )
    return [CloudEvent.model_validate(row.envelope) for row in rows]


async def test_a_friend_registers_with_a_code_as_typed_and_the_referral_is_published(
    customer: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    referrer = (await _register(customer, new_phone())).json()["id"]
    code = await _own_code(customer, referrer)
    assert codes.is_well_formed(code.replace("-", ""))
    typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")

    created = await _register(customer, friend_phone := new_phone(), typed)

    assert created.status_code == 201, created.text
    friend = created.json()["id"]
    async with customer_sessions() as session:
        stored = await session.get(Member, uuid.UUID(friend))
    assert stored is not None
    assert stored.referrer_id == uuid.UUID(referrer)
    assert stored.referral_code != code.replace("-", "")  # the friend has a code of their own
    registered, referred = await _events(customer_sessions, friend)
    assert (registered.type, referred.type) == (
        "customer.member.registered",
        "customer.member.referred",
    )
    assert referred.payload(MemberReferred) == MemberReferred(
        member_id=uuid.UUID(friend),
        referrer_id=uuid.UUID(referrer),
        referred_at=stored.created_at,
    )
    assert friend_phone not in str(referred.data)
    assert "王芳" not in str(referred.data)


async def test_without_a_code_nothing_is_referred(
    customer: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    member = (await _register(customer, new_phone())).json()["id"]
    assert [event.type for event in await _events(customer_sessions, member)] == [
        "customer.member.registered"
    ]


async def test_an_unknown_or_mistyped_code_is_a_422_naming_the_field_and_writes_nothing(
    customer: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    unknown = codes.display(codes.new_code())
    body = codes.new_code()
    mistyped = body[:3] + ("Z" if body[3] != "Z" else "Y") + body[4:]
    before = await row_counts(customer_sessions)
    for code, problem in [
        (unknown, "referral-code-unknown"),
        (mistyped, "invalid-request"),
        ("7K2M;QX9D", "invalid-request"),
    ]:
        refused = await _register(customer, new_phone(), code)
        assert refused.status_code == 422, (code, refused.text)
        answer = refused.json()
        assert answer["type"] == f"urn:huiyuan:problem:{problem}", answer
        assert [e["location"] for e in answer["errors"]] == ["body.referral_code"]
    assert await row_counts(customer_sessions) == before


async def test_every_check_symbol_can_be_typed(
    customer: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    referrer = (await _register(customer, new_phone())).json()["id"]
    async with customer_sessions() as session:
        stored = await session.get(Member, uuid.UUID(referrer))
        assert stored is not None
        # codes are drawn at random: give this one each check symbol in turn
        for body in ("000000000010", "000000000011", "000000000012", "000000000013"):
            stored.referral_code = codes.with_check_symbol(body)
            assert stored.referral_code[-1] in "*~$=", stored.referral_code
            await session.commit()
            created = await _register(customer, new_phone(), codes.display(stored.referral_code))
            assert created.status_code == 201, created.text


async def test_a_member_cannot_refer_themself(
    customer: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    phone = new_phone()
    member = (await _register(customer, phone)).json()["id"]
    code = await _own_code(customer, member)
    before = await row_counts(customer_sessions)

    refused = await _register(customer, f"+86 {phone}", code)

    assert refused.status_code == 422, refused.text
    assert refused.json()["type"] == "urn:huiyuan:problem:self-referral"
    assert refused.json()["errors"][0]["location"] == "body.referral_code"
    assert await row_counts(customer_sessions) == before
