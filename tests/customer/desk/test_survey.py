"""The satisfaction survey of a resolved ticket: answered once, by its member (or staff
on the phone), stored encrypted, evented."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from services.customer.desk.models import Ticket
from shared.db import Sessions
from tests.customer.desk.conftest import DESK, events_of, key, new_member, new_ticket, problem
from tests.stack import member_headers


async def _resolved(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    ticket = await new_ticket(client, **fields)
    for step, body in [
        ("judgement", {"valid": True}),
        ("assignment", {"assignee": "wang.fang"}),
        ("resolution", {"resolution": "已退款"}),
    ]:
        response = await client.post(f"/tickets/{ticket['id']}/{step}", json=body, headers=DESK)
        assert response.status_code == 200, response.text
    return ticket


async def test_the_member_answers_once(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    member = await new_member(client)
    mine = member_headers(uuid.UUID(member["id"]))
    ticket = await _resolved(client, member_id=member["id"])
    path = f"/tickets/{ticket['id']}/survey"
    headers = mine | key()
    body = {"score": 4, "comment": "处理及时，电话 13812345678"}
    first = await client.post(path, json=body, headers=headers)
    assert first.status_code == 200, first.text
    replay = await client.post(path, json=body, headers=headers)
    assert replay.headers["Idempotent-Replayed"] == "true"
    problem(await client.post(path, json={"score": 1}, headers=mine), 409, "survey-answered")

    read = (await client.get(f"/tickets/{ticket['id']}", headers=mine)).json()
    assert (read["survey_score"], read["survey_comment"]) == (4, body["comment"])
    async with customer_sessions() as session:
        row = await session.get(Ticket, uuid.UUID(ticket["id"]))
    assert row is not None
    assert row.survey_comment_encrypted is not None
    assert "13812345678" not in row.survey_comment_encrypted

    surveyed = [d for t, d in await events_of(customer_sessions, ticket["id"]) if "surveyed" in t]
    assert len(surveyed) == 1
    assert surveyed[0]["score"] == 4
    assert "comment" not in surveyed[0]


async def test_refusals(client: httpx.AsyncClient) -> None:
    member, other = await new_member(client), await new_member(client)
    open_ticket = await new_ticket(client, member_id=member["id"])
    mine = member_headers(uuid.UUID(member["id"]))
    early = await client.post(
        f"/tickets/{open_ticket['id']}/survey", json={"score": 5}, headers=mine
    )
    problem(early, 409, "survey-not-open")
    anonymous = await _resolved(client)
    problem(
        await client.post(f"/tickets/{anonymous['id']}/survey", json={"score": 5}, headers=DESK),
        409,
        "survey-not-open",
    )
    ticket = await _resolved(client, member_id=member["id"])
    path = f"/tickets/{ticket['id']}/survey"
    theirs = member_headers(uuid.UUID(other["id"]))
    problem(await client.post(path, json={"score": 5}, headers=theirs), 404, "ticket-not-found")
    for bad in ({"score": 0}, {"score": 6}, {"score": "5"}, {"score": 4.5}, {}):
        response = await client.post(path, json=bad, headers=mine)
        assert response.status_code == 422, (bad, response.text)
        assert "score" in response.text
    on_phone = await client.post(path, json={"score": 3}, headers=DESK)
    assert on_phone.status_code == 200, on_phone.text
