"""The service desk over HTTP: a ticket from recording to closing, its history and event,
wrong moves, access, encryption at rest, lists and their filters."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlmodel import col

from services.customer.desk.models import Ticket, TicketChange, TicketEscalation
from shared.db import Sessions
from tests.customer.desk.conftest import DESK, events_of, key, new_member, new_ticket, problem
from tests.stack import member_headers, staff_headers

MANAGER = staff_headers("manager")


async def _post(
    client: httpx.AsyncClient, ticket: dict[str, Any], step: str, body: dict[str, Any] | None
) -> httpx.Response:
    return await client.post(f"/tickets/{ticket['id']}/{step}", json=body, headers=DESK)


async def test_a_complaint_from_recording_to_closing(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    member = await new_member(client)
    ticket = await new_ticket(client, member_id=member["id"], priority="high")
    assert ticket["state"] == "recorded"
    assert ticket["number"] >= 1
    assert "description" not in ticket  # answers kept with idempotency keys hold no text
    assert datetime.fromisoformat(ticket["due_at"]) > datetime.fromisoformat(ticket["created_at"])

    steps: list[tuple[str, dict[str, Any] | None, str]] = [
        ("judgement", {"valid": True}, "judged"),
        ("assignment", {"assignee": "wang.fang"}, "assigned"),
        ("assignment", {"assignee": "li.na@example.com"}, "assigned"),
        ("resolution", {"resolution": "换了两瓶新的，并致歉"}, "resolved"),
        ("follow-up", {"note": "会员满意"}, "followed_up"),
        ("close", None, "closed"),
    ]
    for step, body, state in steps:
        response = await _post(client, ticket, step, body)
        assert response.status_code == 200, response.text
        assert response.json()["state"] == state

    read = (await client.get(f"/tickets/{ticket['id']}", headers=DESK)).json()
    assert read["description"] == "鱼油过期了"
    assert read["resolution"] == "换了两瓶新的，并致歉"
    assert read["follow_up_note"] == "会员满意"
    assert read["assignee"] == "li.na@example.com"
    assert read["resolved_at"] is not None
    assert read["follow_up_due_at"] is not None

    history = (await client.get(f"/tickets/{ticket['id']}/history", headers=DESK)).json()
    assert [(h["action"], h["from_state"], h["to_state"]) for h in history["items"]] == [
        ("record", None, "recorded"),
        ("judge", "recorded", "judged"),
        ("assign", "judged", "assigned"),
        ("assign", "assigned", "assigned"),
        ("resolve", "assigned", "resolved"),
        ("follow_up", "resolved", "followed_up"),
        ("close", "followed_up", "closed"),
    ]
    assert {h["actor"] for h in history["items"]} == {"test-service"}
    assert history["items"][3]["detail"] == "li.na@example.com"

    events = await events_of(customer_sessions, ticket["id"])
    assert [t for t, _ in events] == ["customer.ticket.resolved"]
    resolved = events[0][1]
    assert resolved["member_id"] == member["id"]
    assert resolved["number"] == ticket["number"]
    assert resolved["kind"] == "complaint"
    assert resolved["overdue"] is False
    assert "换" not in str(events)  # no free text in events


async def test_free_text_is_encrypted_at_rest(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    ticket = await new_ticket(client, description="王先生 13812345678 投诉")
    async with customer_sessions() as session:
        row = await session.get(Ticket, uuid.UUID(ticket["id"]))
    assert row is not None
    assert "13812345678" not in row.description_encrypted
    assert row.description_encrypted.startswith("gAAAA")  # a Fernet token


async def test_wrong_moves_are_409_and_change_nothing(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    ticket = await new_ticket(client)
    for step, body in [
        ("assignment", {"assignee": "wang.fang"}),
        ("resolution", {"resolution": "x"}),
        ("follow-up", {"note": "x"}),
        ("close", None),
    ]:
        body_ = problem(await _post(client, ticket, step, body), 409, "ticket-wrong-state")
        assert "recorded" in body_["detail"]
    async with customer_sessions() as session:
        changes = await session.scalar(
            select(func.count())
            .select_from(TicketChange)
            .where(col(TicketChange.ticket_id) == uuid.UUID(ticket["id"]))
        )
    assert changes == 1  # only its recording
    read = (await client.get(f"/tickets/{ticket['id']}", headers=DESK)).json()
    assert read["state"] == "recorded"
    assert read["assignee"] is None


async def test_judged_invalid_closes_with_its_reason(client: httpx.AsyncClient) -> None:
    ticket = await new_ticket(client, kind="feedback")
    refused = problem(
        await _post(client, ticket, "judgement", {"valid": False}), 422, "unprocessable"
    )
    assert "reason" in str(refused)
    response = await _post(client, ticket, "judgement", {"valid": False, "reason": "打错电话"})
    assert response.json()["state"] == "closed"
    read = (await client.get(f"/tickets/{ticket['id']}", headers=DESK)).json()
    assert read["invalid_reason"] == "打错电话"
    problem(await _post(client, ticket, "judgement", {"valid": True}), 409, "ticket-wrong-state")


async def test_retries_with_a_key_replay(client: httpx.AsyncClient) -> None:
    body = {"kind": "suggestion", "channel": "app", "description": "希望增加夜间营业"}
    headers = DESK | key()
    first = await client.post("/tickets", json=body, headers=headers)
    again = await client.post("/tickets", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    ticket = first.json()
    judge = DESK | key()
    path = f"/tickets/{ticket['id']}/judgement"
    one = await client.post(path, json={"valid": True}, headers=judge)
    two = await client.post(path, json={"valid": True}, headers=judge)
    assert one.status_code == two.status_code == 200
    assert two.json() == one.json()
    assert two.headers["Idempotent-Replayed"] == "true"
    no_key = await client.post(path, json={"valid": True}, headers=DESK)
    problem(no_key, 409, "ticket-wrong-state")


async def test_bad_input_names_the_field(client: httpx.AsyncClient) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"kind": "praise", "channel": "hotline", "description": "x"}, "kind"),
        ({"kind": "complaint", "channel": "fax", "description": "x"}, "channel"),
        ({"kind": "complaint", "channel": "hotline", "description": ""}, "description"),
        ({"kind": "complaint", "channel": "hotline", "description": "a\u202eb"}, "description"),
        ({"kind": "complaint", "channel": "hotline", "description": "x" * 4001}, "description"),
        (
            {"kind": "complaint", "channel": "hotline", "description": "x", "priority": 1},
            "priority",
        ),
    ]
    for body, field in cases:
        response = await client.post("/tickets", json=body, headers=DESK | key())
        assert response.status_code == 422, (body, response.text)
        assert field in response.text
    unknown = {
        "kind": "complaint",
        "channel": "hotline",
        "description": "x",
        "member_id": str(uuid.uuid4()),
    }
    body_ = problem(
        await client.post("/tickets", json=unknown, headers=DESK | key()),
        422,
        "ticket-member-unknown",
    )
    assert "member_id" in str(body_)
    missing = await client.post(
        "/tickets", json={"kind": "complaint", "channel": "app", "description": "x"}, headers=DESK
    )
    assert missing.status_code == 422
    assert "Idempotency-Key" in missing.text
    ticket = await new_ticket(client)
    await _post(client, ticket, "judgement", {"valid": True})
    bad = await _post(client, ticket, "assignment", {"assignee": "=cmd|x"})
    assert bad.status_code == 422
    assert "assignee" in bad.text
    assert (await client.get(f"/tickets/{uuid.uuid4()}", headers=DESK)).status_code == 404


async def test_access(client: httpx.AsyncClient) -> None:
    member, other = await new_member(client), await new_member(client)
    own = await new_ticket(
        client, member_headers(uuid.UUID(member["id"])), channel="app", member_id=other["id"]
    )
    assert own["member_id"] == member["id"]  # a member records only their own
    read = await client.get(
        f"/tickets/{own['id']}", headers=member_headers(uuid.UUID(member["id"]))
    )
    assert read.status_code == 200
    theirs = await client.get(
        f"/tickets/{own['id']}", headers=member_headers(uuid.UUID(other["id"]))
    )
    problem(theirs, 404, "ticket-not-found")
    for role in ("marketing", "analyst"):
        problem(
            await client.get(f"/tickets/{own['id']}", headers=staff_headers(role)), 403, "forbidden"
        )
        problem(await client.get("/tickets", headers=staff_headers(role)), 403, "forbidden")
    member_move = await client.post(
        f"/tickets/{own['id']}/judgement",
        json={"valid": True},
        headers=member_headers(uuid.UUID(member["id"])),
    )
    problem(member_move, 403, "forbidden")
    assert (await client.get("/tickets", headers=MANAGER)).status_code == 200


async def test_lists_filter_and_page(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    member = await new_member(client)
    made = [await new_ticket(client, member_id=member["id"]) for _ in range(5)]
    await _post(client, made[0], "judgement", {"valid": True})
    await _post(client, made[0], "assignment", {"assignee": "zhao.lei"})
    await new_ticket(client, kind="suggestion", member_id=member["id"])

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"member_id": member["id"], "kind": "complaint", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/tickets", params=params, headers=DESK)).json()
        seen += [t["id"] for t in page["items"]]
        assert all("description" not in t for t in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [t["id"] for t in made]

    mine = await client.get(
        "/tickets", params={"assignee": "zhao.lei", "state": "assigned"}, headers=DESK
    )
    assert [t["id"] for t in mine.json()["items"]] == [made[0]["id"]]

    # made[1] past its due time: overdue lists it, not-overdue does not
    async with customer_sessions.begin() as session:
        row = await session.get(Ticket, uuid.UUID(made[1]["id"]))
        assert row is not None
        row.due_at = datetime(2026, 1, 1, tzinfo=UTC)
    params = {"member_id": member["id"], "overdue": "true"}
    overdue = (await client.get("/tickets", params=params, headers=DESK)).json()["items"]
    assert [t["id"] for t in overdue] == [made[1]["id"]]
    assert overdue[0]["overdue"] is True
    params["overdue"] = "false"
    on_time = (await client.get("/tickets", params=params, headers=DESK)).json()["items"]
    assert made[1]["id"] not in {t["id"] for t in on_time}
    assert len(on_time) == 5
    problem(
        await client.get("/tickets", params={"cursor": "nope"}, headers=DESK),
        422,
        "invalid-request",
    )


async def test_recording_schedules_the_escalation(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    ticket = await new_ticket(client, priority="urgent")
    async with customer_sessions() as session:
        due = await session.get(TicketEscalation, uuid.UUID(ticket["id"]))
    assert due is not None
    assert due.done_at is None
    assert due.due_at == datetime.fromisoformat(ticket["due_at"])


async def test_two_resolutions_at_once_one_wins(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    ticket = await new_ticket(client)
    assert (await _post(client, ticket, "judgement", {"valid": True})).status_code == 200
    assert (await _post(client, ticket, "assignment", {"assignee": "wang.fang"})).status_code == 200
    answers = await asyncio.gather(
        *(_post(client, ticket, "resolution", {"resolution": f"第{n}次"}) for n in range(4))
    )
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    events = await events_of(customer_sessions, ticket["id"])
    assert [t for t, _ in events] == ["customer.ticket.resolved"]
    history = (await client.get(f"/tickets/{ticket['id']}/history", headers=DESK)).json()
    assert [h["action"] for h in history["items"]].count("resolve") == 1


async def test_history_pages(client: httpx.AsyncClient) -> None:
    ticket = await new_ticket(client)
    await _post(client, ticket, "judgement", {"valid": True})
    for login in ("a.one", "b.two", "c.three"):
        await _post(client, ticket, "assignment", {"assignee": login})
    path = f"/tickets/{ticket['id']}/history"
    first = (await client.get(path, params={"limit": 3}, headers=DESK)).json()
    assert [h["action"] for h in first["items"]] == ["record", "judge", "assign"]
    rest = await client.get(path, params={"limit": 3, "cursor": first["next_cursor"]}, headers=DESK)
    assert [h["detail"] for h in rest.json()["items"]] == ["b.two", "c.three"]
    assert rest.json()["next_cursor"] is None
    bad = await client.get(path, params={"cursor": "-1"}, headers=DESK)
    assert bad.status_code == 422
