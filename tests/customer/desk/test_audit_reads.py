"""Staff reads of personal data in clear are recorded in customer's audit trail (who, which
member, what, from where), and only those: not a member reading themself, not a masked
list, not a restricted profile shown masked; and no row carries the data it was about."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.customer.desk.conftest import DESK, new_member, new_ticket
from tests.stack import member_headers, staff_headers

ADMIN = staff_headers("admin")


async def _reads(client: httpx.AsyncClient, member_id: str) -> list[dict[str, Any]]:
    params = {"member_id": member_id, "kind": "read"}
    answer = await client.get("/audit", params=params, headers=ADMIN)
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()["items"]
    return rows


async def test_a_staff_read_of_a_profile_in_clear_is_recorded_without_the_data(
    client: httpx.AsyncClient,
) -> None:
    member = await new_member(client, email="li.lei@example.com")
    request_id = uuid.uuid4().hex
    profile = await client.get(
        f"/members/{member['id']}", headers=DESK | {"X-Request-ID": request_id}
    )
    assert profile.status_code == 200, profile.text
    (row,) = await _reads(client, member["id"])
    assert row["operation"] == "member.contact"
    assert (row["actor"], row["actor_role"]) == ("test-service", "service")
    assert (row["member_id"], row["request_id"]) == (member["id"], request_id)
    assert row["route"] == "/members/{member_id}"
    assert row["targets"] == {"member_id": member["id"]}
    phone = profile.json()["phone"]
    assert phone
    assert phone[-8:] not in str(row)
    assert "li.lei" not in str(row)


async def test_a_members_own_read_and_a_masked_list_are_not_recorded(
    client: httpx.AsyncClient,
) -> None:
    member = await new_member(client)
    own = await client.get(f"/members/{member['id']}", headers=member_headers(member["id"]))
    assert own.status_code == 200, own.text
    listed = await client.get("/members", params={"limit": 5}, headers=DESK)
    assert listed.status_code == 200, listed.text
    assert await _reads(client, member["id"]) == []


async def test_a_restricted_profile_shown_masked_is_no_read_in_clear(
    client: httpx.AsyncClient,
) -> None:
    member = await new_member(client)
    url = f"/members/{member['id']}"
    restricted = await client.patch(
        url, json={"restricted": True}, headers=DESK | {"If-Match": '"1"'}
    )
    assert restricted.status_code == 200, restricted.text
    shown = await client.get(url, headers=staff_headers("marketing"))
    assert shown.json()["contact_masked"] is True
    assert await _reads(client, member["id"]) == []
    assert (await client.get(url, headers=DESK)).json()["contact_masked"] is False
    assert len(await _reads(client, member["id"])) == 1


async def test_a_staff_read_of_a_tickets_texts_names_its_member(
    client: httpx.AsyncClient,
) -> None:
    member = await new_member(client)
    ticket = await new_ticket(client, member_id=member["id"])
    read = await client.get(f"/tickets/{ticket['id']}", headers=DESK)
    assert read.status_code == 200, read.text
    (row,) = await _reads(client, member["id"])
    assert row["operation"] == "ticket.texts"
    assert row["targets"] == {"ticket_id": ticket["id"]}
    assert "鱼油" not in str(row)
    missing = await client.get(f"/tickets/{uuid.uuid4()}", headers=DESK)
    assert missing.status_code == 404
    assert len(await _reads(client, member["id"])) == 1
