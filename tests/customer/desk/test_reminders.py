"""Staff reminders: follow-ups due and birthdays coming up, per staff user (the token's
subject)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import update
from sqlmodel import col

from services.customer.desk.models import Ticket
from services.customer.desk.reminders.service import coming_days, next_birthday
from shared.db import Sessions
from shared.jwks import development_signer
from shared.tokens import issue_token
from tests.customer.desk.conftest import DESK, new_member, new_ticket, problem
from tests.stack import member_headers

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _as(login: str) -> dict[str, str]:
    token = issue_token(development_signer(), subject=login, role="service")
    return {"Authorization": f"Bearer {token}"}


async def _held_by(
    client: httpx.AsyncClient, login: str, *, resolved: bool = False, **fields: Any
) -> dict[str, Any]:
    ticket = await new_ticket(client, **fields)
    steps: list[tuple[str, dict[str, Any]]] = [
        ("judgement", {"valid": True}),
        ("assignment", {"assignee": login}),
    ]
    if resolved:
        steps.append(("resolution", {"resolution": "已处理"}))
    for step, body in steps:
        response = await client.post(f"/tickets/{ticket['id']}/{step}", json=body, headers=DESK)
        assert response.status_code == 200, response.text
    return ticket


def _born_on(day: date) -> str:
    # 1992 is a leap year: every month and day exists in it
    return day.replace(year=1992).isoformat()


async def test_birthdays_and_follow_ups_of_the_staff_user(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    login = f"desk-{uuid.uuid4().hex[:8]}"
    today = datetime.now(UTC).astimezone(SHANGHAI).date()
    soon = today + timedelta(days=2)
    later = today + timedelta(days=20)
    in_window = await new_member(client, birthday=_born_on(soon))
    outside = await new_member(client, birthday=_born_on(later))
    not_mine = await new_member(client, birthday=_born_on(soon))
    await _held_by(client, login, member_id=in_window["id"])
    await _held_by(client, login, member_id=outside["id"])
    await _held_by(client, "someone.else", member_id=not_mine["id"])
    due = await _held_by(client, login, resolved=True)
    not_due = await _held_by(client, login, resolved=True)
    async with customer_sessions.begin() as session:
        for ticket, when in ((due, timedelta(days=1)), (not_due, timedelta(days=30))):
            await session.execute(
                update(Ticket)
                .where(col(Ticket.id) == uuid.UUID(ticket["id"]))
                .values(follow_up_due_at=datetime.now(UTC) + when)
            )

    answer = await client.get("/staff/me/reminders", params={"days": 7}, headers=_as(login))
    assert answer.status_code == 200, answer.text
    reminders = answer.json()
    assert [b["member_id"] for b in reminders["birthdays"]] == [in_window["id"]]
    assert reminders["birthdays"][0]["birthday"] == soon.isoformat()
    assert [t["id"] for t in reminders["follow_ups"]] == [due["id"]]

    wide = await client.get("/staff/me/reminders", params={"days": 31}, headers=_as(login))
    assert {b["member_id"] for b in wide.json()["birthdays"]} == {in_window["id"], outside["id"]}


async def test_refusals(client: httpx.AsyncClient) -> None:
    member = await new_member(client)
    problem(
        await client.get("/staff/me/reminders", headers=member_headers(uuid.UUID(member["id"]))),
        403,
        "forbidden",
    )
    for days in ("0", "32", "x"):
        response = await client.get("/staff/me/reminders", params={"days": days}, headers=DESK)
        assert response.status_code == 422
        assert "days" in response.text


def test_a_leap_day_birthday_is_remembered_on_28_february_of_a_common_year() -> None:
    window = coming_days(date(2027, 2, 26), 7)
    assert next_birthday(2, 29, window) == date(2027, 2, 28)
    assert next_birthday(3, 1, window) == date(2027, 3, 1)
    assert next_birthday(2, 29, coming_days(date(2028, 2, 26), 7)) == date(2028, 2, 29)
