"""Erasure over HTTP against the real database: the member becomes a tombstone whose
reads are 410, nothing of their profile, sign-ins, tags, field values, tickets or retained
events is left readable, and the one event it publishes carries ids only."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select, text

from services.customer.base import inbox, outbox
from services.customer.members.models import Member
from shared.db import Sessions
from tests.customer.conftest import new_phone
from tests.signin_codes import CIPHER, code_envelopes
from tests.stack import Stack, member_headers, running, staff_headers

ADMIN, SERVICE = staff_headers("admin"), staff_headers("service")
NAME, EMAIL, ADDRESS = "欧阳娜娜", "nana.ouyang@example.com", "上海市徐汇区漕溪北路 88 号"


@pytest.fixture(scope="module")
async def app(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """The customer app with an open joining policy (members may sign themselves up)."""
    roomy = {"signin_codes_per_phone": "20/minute", "signin_codes_per_address": "10000/hour"}
    async with running(stack.app("customer", **roomy)) as client:
        policy = {"admits": ["open"], "card_fee_fen": 0}
        opened = await client.put("/program/joining-policy", json=policy, headers=ADMIN)
        assert opened.status_code == 200, opened.text
        yield client


def _key() -> dict[str, str]:
    return {"Idempotency-Key": f"erase-{uuid.uuid4()}"}


async def _register(app: httpx.AsyncClient) -> tuple[uuid.UUID, str, str]:
    """A member with a distinctive profile, a tag and a ticket; their id, phone as typed
    and card number."""
    phone = new_phone()
    body = {"name": NAME, "phone": phone, "email": EMAIL, "birthday": "1990-05-17"}
    created = await app.post("/members", json=body, headers=SERVICE)
    assert created.status_code == 201, created.text
    member_id, card = uuid.UUID(created.json()["id"]), created.json()["card_number"]
    edited = await app.patch(
        f"/members/{member_id}",
        json={"address": ADDRESS, "occupation": "钢琴老师"},
        headers=SERVICE | {"If-Match": '"1"'},
    )
    assert edited.status_code == 200, edited.text
    tag = await app.post("/tags", json={"name": f"VIP {uuid.uuid4().hex[:6]}"}, headers=ADMIN)
    assert tag.status_code == 201, tag.text
    tagged = await app.post(
        f"/tags/{tag.json()['id']}/members", json={"member_ids": [str(member_id)]}, headers=ADMIN
    )
    assert tagged.status_code in (200, 201, 204), tagged.text
    ticket = await app.post(
        "/tickets",
        json={
            "kind": "complaint",
            "channel": "hotline",
            "description": f"{NAME} 说 {EMAIL} 收不到邮件",
            "member_id": str(member_id),
        },
        headers=SERVICE | _key(),
    )
    assert ticket.status_code == 201, ticket.text
    return member_id, phone, card


async def _customer_text(sessions: Sessions, member_id: uuid.UUID) -> str:
    """Every row of the customer schema that names the member, as text."""
    found: list[str] = []
    async with sessions() as session:
        tables = await session.execute(
            text(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'customer' AND table_type = 'BASE TABLE'"
            )
        )
        for (table,) in tables.all():
            rows = await session.execute(text(f'SELECT t::text FROM customer."{table}" t'))
            found += [row for (row,) in rows.all() if str(member_id) in row]
    return "\n".join(found)


def _problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == f"urn:huiyuan:problem:{slug}"
    return body


async def test_the_member_erases_themself_and_nothing_readable_is_left(
    app: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    member_id, phone, card = await _register(app)
    own = member_headers(member_id)
    before = await _customer_text(customer_sessions, member_id)
    assert NAME in before  # the search below can fail

    erased = await app.post(f"/members/{member_id}/erasure", headers=own | _key())
    assert erased.status_code == 202, erased.text
    assert erased.json()["member_id"] == str(member_id)
    assert erased.json()["status"] == "erased"

    _problem(await app.get(f"/members/{member_id}", headers=SERVICE), 410, "member-erased")
    _problem(await app.get(f"/members/{member_id}", headers=own), 410, "member-erased")
    patched = await app.patch(
        f"/members/{member_id}", json={"occupation": "x"}, headers=SERVICE | {"If-Match": '"3"'}
    )
    _problem(patched, 410, "member-erased")
    for params in ({"phone": phone}, {"card_number": card}, {"q": NAME}, {"q": "O"}):
        found = await app.get("/members", params=params, headers=SERVICE)
        assert found.status_code == 200, found.text
        assert str(member_id) not in found.text, params
    listed = await app.get("/members", params={"limit": 500}, headers=SERVICE)
    assert str(member_id) not in listed.text
    ticket = await app.post(
        "/tickets",
        json={
            "kind": "feedback",
            "channel": "hotline",
            "description": "x",
            "member_id": str(member_id),
        },
        headers=SERVICE | _key(),
    )
    _problem(ticket, 422, "ticket-member-unknown")

    after = await _customer_text(customer_sessions, member_id)
    # the card number is an id like the member's (events keep it); it finds no one now
    for personal in (NAME, phone, f"+86{phone}", EMAIL, "漕溪", "钢琴", "1990-05-17"):
        assert personal not in after, personal
    async with customer_sessions() as session:
        tombstone = await session.get(Member, member_id)
        assert tombstone is not None
        assert (tombstone.status, tombstone.name, tombstone.birthday) == ("erased", "", None)
        assert tombstone.erased_at is not None
        assert tombstone.phone_hash != CIPHER.phone_hash(f"+86{phone}")
        events = (
            await session.execute(
                select(outbox.table.c.event_type, outbox.table.c.envelope).where(
                    outbox.table.c.key == str(member_id)
                )
            )
        ).all()
    kinds = [kind for kind, _ in events]
    assert kinds.count("customer.member.erased") == 1
    (erasure,) = [e["data"] for kind, e in events if kind == "customer.member.erased"]
    assert set(erasure) == {"member_id", "erased_at"}
    registered = [e["data"] for kind, e in events if kind == "customer.member.registered"]
    assert registered
    assert "name" not in registered[0]
    assert "email" not in registered[0]


async def test_an_erased_member_stays_erased_and_a_second_erasure_publishes_nothing(
    app: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    member_id, _, _ = await _register(app)
    url = f"/members/{member_id}/erasure"
    first = await app.post(url, headers=SERVICE | _key())
    again = await app.post(url, headers=ADMIN | _key())
    assert first.status_code == again.status_code == 202, again.text
    assert first.json() == again.json()
    async with customer_sessions() as session:
        count = await session.scalar(
            select(text("count(*)"))
            .select_from(outbox.table)
            .where(
                outbox.table.c.key == str(member_id),
                outbox.table.c.event_type == "customer.member.erased",
            )
        )
    assert count == 1


async def test_who_may_erase_and_a_locked_profile(app: httpx.AsyncClient) -> None:
    member_id, _, _ = await _register(app)
    other, _, _ = await _register(app)
    url = f"/members/{member_id}/erasure"
    for headers in (member_headers(other), staff_headers("marketing"), staff_headers("analyst")):
        _problem(await app.post(url, headers=headers | _key()), 403, "forbidden")
    missing = await app.post(url, headers=SERVICE)
    assert missing.status_code == 422, missing.text
    assert "Idempotency-Key" in missing.text
    unknown = await app.post(f"/members/{uuid.uuid4()}/erasure", headers=SERVICE | _key())
    _problem(unknown, 404, "member-not-found")
    locked = await app.post(f"/members/{member_id}/lock", headers=SERVICE)
    assert locked.status_code == 200, locked.text
    _problem(await app.post(url, headers=SERVICE | _key()), 409, "member-locked")
    read = await app.get(f"/members/{member_id}", headers=SERVICE)
    assert read.json()["name"] == NAME  # nothing was half-erased


async def test_sign_ins_end_and_the_phone_can_join_again(
    app: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    phone = new_phone()
    created = await app.post("/members", json={"name": NAME, "phone": phone}, headers=SERVICE)
    member_id = created.json()["id"]
    asked = await app.post("/auth/sms-codes", json={"phone": phone, "purpose": "sign_in"})
    assert asked.status_code == 202, asked.text
    [envelope] = await code_envelopes(customer_sessions, f"+86{phone}")
    code = CIPHER.decrypt(envelope["data"]["code_encrypted"])
    pair = (await app.post("/auth/sessions", json={"phone": phone, "code": code})).json()
    bearer = {"Authorization": f"Bearer {pair['access_token']}"}

    erased = await app.post(f"/members/{member_id}/erasure", headers=bearer | _key())
    assert erased.status_code == 202, erased.text
    refreshed = await app.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert refreshed.status_code == 401, refreshed.text
    again = await app.post("/members", json={"name": "新会员", "phone": phone}, headers=SERVICE)
    assert again.status_code == 201, again.text
    assert again.json()["id"] != member_id


async def test_retained_events_and_dead_letters_naming_the_member_are_scrubbed(
    app: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    member_id, phone, _ = await _register(app)
    payload = {"data": {"member_id": str(member_id), "name": NAME, "phone": f"+86{phone}"}}
    async with customer_sessions() as session, session.begin():
        await session.execute(
            insert(inbox.dead_letters).values(
                event_id=str(uuid.uuid4()),
                event_type="customer.member.registered",
                topic="customer.events",
                partition=0,
                offset=1,
                payload=json.dumps(payload, ensure_ascii=False),
                error=f"ValidationError: input_value='{NAME}'",
                attempts=5,
            )
        )
        await session.execute(
            insert(inbox.dead_letters).values(
                event_id=None,
                event_type=None,
                topic="customer.events",
                partition=0,
                offset=2,
                payload=f"not json {member_id} {NAME}",
                error="JSONDecodeError: not json",
                attempts=1,
            )
        )
    erased = await app.post(f"/members/{member_id}/erasure", headers=SERVICE | _key())
    assert erased.status_code == 202, erased.text
    async with customer_sessions() as session:
        letters = (
            await session.execute(
                select(inbox.dead_letters.c.payload, inbox.dead_letters.c.error).where(
                    inbox.dead_letters.c.offset.in_([1, 2]),
                    inbox.dead_letters.c.topic == "customer.events",
                )
            )
        ).all()
    assert letters
    for payload_text, error in letters:
        assert NAME not in payload_text
        assert phone not in payload_text
        assert NAME not in error
    assert any(str(member_id) in p for p, _ in letters)  # ids stay
