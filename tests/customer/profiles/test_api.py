"""The profile lifecycle over HTTP: edits with If-Match, consent, card reissue, lock,
restriction and deactivation, with the rows and outbox events they leave."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from sqlalchemy import select

from services.customer.base import outbox
from services.customer.members.models import Member
from shared.crypto import PiiCipher
from shared.db import Sessions
from shared.settings import DEV_PII_KEY
from tests.customer.conftest import new_phone
from tests.stack import member_headers, staff_headers

SERVICE = staff_headers("service")
CIPHER = PiiCipher(DEV_PII_KEY)


async def _register(customer: httpx.AsyncClient, **extra: Any) -> tuple[uuid.UUID, str]:
    phone = new_phone()
    body = {"name": "李雷", "phone": phone, "email": "lilei@example.com"} | extra
    created = await customer.post("/members", json=body, headers=SERVICE)
    assert created.status_code == 201, created.text
    return uuid.UUID(created.json()["id"]), phone


async def _events(sessions: Sessions, member_id: uuid.UUID, kind: str) -> list[dict[str, Any]]:
    table = outbox.table
    async with sessions() as session:
        rows = await session.scalars(
            select(table.c.envelope)
            .where(table.c.key == str(member_id), table.c.event_type == kind)
            .order_by(table.c.seq)
        )
        return [envelope["data"] for envelope in rows]


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


async def test_an_edit_names_the_version_it_was_made_from(
    customer: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    member_id, _ = await _register(customer)
    read = await customer.get(f"/members/{member_id}", headers=SERVICE)
    assert read.headers["etag"] == '"1"'
    url, new = f"/members/{member_id}", new_phone()
    patch = {"phone": f"+86 {new}", "address": "上海市徐汇区漕溪北路 1 号", "email": None}

    missing = _problem(await customer.patch(url, json=patch, headers=SERVICE), 428)
    assert missing["errors"][0]["location"] == "header.If-Match"
    _problem(await customer.patch(url, json=patch, headers=SERVICE | {"If-Match": "*"}), 428)
    stale = await customer.patch(url, json=patch, headers=SERVICE | {"If-Match": '"0"'})
    _problem(stale, 412)
    assert stale.headers["etag"] == '"1"'

    edited = await customer.patch(
        url,
        content=httpx.Request("PATCH", url, json=patch).content,
        headers=SERVICE | {"If-Match": '"1"', "Content-Type": "application/merge-patch+json"},
    )
    assert edited.status_code == 200, edited.text
    assert edited.headers["etag"] == '"2"'
    profile = edited.json()
    assert (profile["phone"], profile["email"]) == (f"+86{new}", None)
    assert profile["address"] == patch["address"]
    again = await customer.patch(url, json=patch, headers=SERVICE | {"If-Match": '"1"'})
    _problem(again, 412)  # a retry cannot apply twice

    (event,) = await _events(customer_sessions, member_id, "customer.member.updated")
    assert event["changed"] == ["phone", "email", "address"]
    assert event["version"] == 2
    assert new not in str(event)
    assert "漕溪" not in str(event)
    assert not {"phone", "phone_encrypted", "email_encrypted"} & event.keys()  # ids only
    assert event["phone_hash"] == CIPHER.phone_hash(new)
    found = await customer.get("/members", params={"phone": new}, headers=SERVICE)
    assert [item["id"] for item in found.json()["items"]] == [str(member_id)]
    async with customer_sessions() as session:
        stored = await session.get(Member, member_id)
        assert stored is not None
        assert stored.address_encrypted is not None
        assert "漕溪" not in stored.address_encrypted
        assert stored.email_hash is None


async def test_a_phone_another_member_has_is_409_and_changes_nothing(
    customer: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    member_id, _ = await _register(customer)
    _, taken = await _register(customer)
    refused = await customer.patch(
        f"/members/{member_id}",
        json={"phone": taken, "occupation": "教师"},
        headers=SERVICE | {"If-Match": '"1"'},
    )
    assert _problem(refused, 409)["errors"][0]["location"] == "body.phone"
    read = await customer.get(f"/members/{member_id}", headers=SERVICE)
    assert (read.headers["etag"], read.json()["occupation"]) == ('"1"', None)
    assert await _events(customer_sessions, member_id, "customer.member.updated") == []


async def test_bad_input_names_the_field(customer: httpx.AsyncClient) -> None:
    member_id, _ = await _register(customer)
    url, match = f"/members/{member_id}", SERVICE | {"If-Match": '"1"'}
    cases = {
        "phone": {"phone": "12345"},
        "name": {"name": None},
        "address": {"address": "line\nbreak"},
        "birthday": {"birthday": "1800-01-01"},
        "restricted": {"restricted": "yes"},
        "nickname": {"nickname": "x"},
    }
    for field, patch in cases.items():
        problem = _problem(await customer.patch(url, json=patch, headers=match), 422)
        assert field in problem["detail"], (field, problem)
    assert (await customer.get(url, headers=SERVICE)).headers["etag"] == '"1"'


async def test_a_member_edits_themself_but_not_their_birthday(
    customer: httpx.AsyncClient,
) -> None:
    member_id, _ = await _register(customer)
    mine = member_headers(member_id) | {"If-Match": '"1"'}
    url = f"/members/{member_id}"
    refused = await customer.patch(url, json={"birthday": "1990-05-20"}, headers=mine)
    assert _problem(refused, 403)["errors"][0]["location"] == "body.birthday"
    edited = await customer.patch(url, json={"locale": "en", "gender": "male"}, headers=mine)
    assert edited.status_code == 200, edited.text
    assert (edited.json()["locale"], edited.json()["gender"]) == ("en", "male")
    other = member_headers(uuid.uuid4()) | {"If-Match": '"2"'}
    _problem(await customer.patch(url, json={"locale": "zh-CN"}, headers=other), 403)
    marketing = staff_headers("marketing") | {"If-Match": '"2"'}
    _problem(await customer.patch(url, json={"locale": "zh-CN"}, headers=marketing), 403)


async def test_consent_changes_are_published_once(
    customer: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    member_id, _ = await _register(customer, consent={"sms": True, "email": True})
    url = f"/members/{member_id}/consent"
    for _ in range(2):
        answer = await customer.put(
            url, json={"sms": False, "email": True}, headers=member_headers(member_id)
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["consent"] == {
            "sms": False,
            "email": True,
            "marketing": {"sms": True, "email": True},
        }
    events = await _events(customer_sessions, member_id, "customer.member.consent_changed")
    assert [event["consent"] for event in events] == [{"sms": False, "email": True}]
    _problem(await customer.put(url, json={"sms": False}, headers=SERVICE), 422)


async def test_marketing_consent_is_per_channel_and_defaults_to_the_channels_own(
    customer: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    member_id, _ = await _register(customer, consent={"sms": True, "email": False})
    registered = await _events(customer_sessions, member_id, "customer.member.registered")
    assert registered[0]["marketing"] == {"sms": True, "email": False}
    url = f"/members/{member_id}/consent"
    body = {"sms": True, "email": False, "marketing": {"sms": False, "email": False}}
    for _ in range(2):
        answer = await customer.put(url, json=body, headers=member_headers(member_id))
        assert answer.status_code == 200, answer.text
        assert answer.json()["consent"] == body
    (changed,) = await _events(customer_sessions, member_id, "customer.member.consent_changed")
    assert (changed["consent"], changed["marketing"]) == (
        {"sms": True, "email": False},
        {"sms": False, "email": False},
    )
    # absent marketing leaves it as it is
    kept = await customer.put(url, json={"sms": True, "email": True}, headers=SERVICE)
    assert kept.json()["consent"]["marketing"] == {"sms": False, "email": False}
    bad = {"sms": True, "email": True, "marketing": {"sms": "yes", "email": True}}
    problem = _problem(await customer.put(url, json=bad, headers=SERVICE), 422)
    assert "marketing" in str(problem)


async def test_a_reissued_card_replaces_the_lost_one(
    customer: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    member_id, _ = await _register(customer)
    before = (await customer.get(f"/members/{member_id}", headers=SERVICE)).json()
    url, key = f"/members/{member_id}/card/reissue", {"Idempotency-Key": f"lost-{member_id}"}
    first = await customer.post(url, headers=SERVICE | key)
    assert first.status_code == 201, first.text
    retried = await customer.post(url, headers=SERVICE | key)
    assert retried.json() == first.json()
    card = first.json()["card_number"]
    assert first.json()["previous_card_number"] == before["card_number"] != card

    async def holder(number: str) -> list[str]:
        found = await customer.get("/members", params={"card_number": number}, headers=SERVICE)
        return [item["id"] for item in found.json()["items"]]

    assert await holder(before["card_number"]) == []
    assert await holder(card) == [str(member_id)]
    (event,) = await _events(customer_sessions, member_id, "customer.member.card_reissued")
    assert (event["card_number"], event["previous_card_number"]) == (card, before["card_number"])
    _problem(await customer.post(url, headers=SERVICE), 422)  # no key: a third card? no
    _problem(await customer.post(url, headers=member_headers(member_id) | key), 403)


async def test_a_locked_member_is_not_deactivated_and_an_inactive_one_does_not_change(
    customer: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    member_id, _ = await _register(customer)
    url = f"/members/{member_id}"
    locked = await customer.post(f"{url}/lock", headers=SERVICE)
    assert (locked.json()["locked"], locked.headers["etag"]) == (True, '"2"')
    refused = _problem(await customer.post(f"{url}/deactivate", headers=SERVICE), 409)
    assert refused["type"].endswith("member-locked")
    await customer.post(f"{url}/unlock", headers=SERVICE)
    for _ in range(2):
        answer = await customer.post(f"{url}/deactivate", headers=SERVICE)
        assert answer.json()["status"] == "inactive", answer.text
    (_event,) = await _events(customer_sessions, member_id, "customer.member.deactivated")
    listed = await customer.get(
        "/members", params={"card_number": answer.json()["card_number"]}, headers=SERVICE
    )
    assert listed.json()["items"][0]["status"] == "inactive"
    etag = answer.headers["etag"]
    patched = await customer.patch(
        url, json={"name": "韩梅梅"}, headers=SERVICE | {"If-Match": etag}
    )
    assert _problem(patched, 409)["type"].endswith("member-inactive")
    _problem(
        await customer.put(f"{url}/consent", json={"sms": True, "email": True}, headers=SERVICE),
        409,
    )


async def test_a_restricted_profile_shows_contact_data_only_to_admin_service_and_self(
    customer: httpx.AsyncClient,
) -> None:
    member_id, phone = await _register(customer)
    url = f"/members/{member_id}"
    restricted = await customer.patch(
        url, json={"restricted": True}, headers=SERVICE | {"If-Match": '"1"'}
    )
    assert restricted.json()["restricted"] is True, restricted.text
    masked = (await customer.get(url, headers=staff_headers("marketing"))).json()
    assert masked["contact_masked"] is True
    assert (masked["phone"], masked["email"]) == (
        f"+86 {phone[:3]}****{phone[-4:]}",
        "l****@example.com",
    )
    for headers in (SERVICE, staff_headers("admin"), member_headers(member_id)):
        shown = (await customer.get(url, headers=headers)).json()
        assert (shown["phone"], shown["contact_masked"]) == (f"+86{phone}", False)


async def test_two_edits_from_one_version_one_wins_and_the_other_is_412(
    customer: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    member_id, _ = await _register(customer)
    url, match = f"/members/{member_id}", SERVICE | {"If-Match": '"1"'}
    answers = await asyncio.gather(
        *(customer.patch(url, json={"occupation": job}, headers=match) for job in ("教师", "医生"))
    )
    assert sorted(answer.status_code for answer in answers) == [200, 412]
    (won,) = [answer.json() for answer in answers if answer.status_code == 200]
    read = (await customer.get(url, headers=SERVICE)).json()
    assert (read["occupation"], read["version"]) == (won["occupation"], 2)
    assert len(await _events(customer_sessions, member_id, "customer.member.updated")) == 1
