"""Automatic escalation (自动升级): a ticket still open when its SLA ends escalates to the
manager role exactly once, whether the service ran through its due time, was stopped
across it, restarted after it, or ran twice at once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlmodel import col, select

from services.customer.desk.escalation import escalate_due
from services.customer.desk.models import Ticket, TicketChange, TicketEscalation
from shared.db import Sessions
from tests.customer.desk.conftest import DESK, events_of, new_member, new_ticket
from tests.stack import Stack, eventually, running

POLL = 0.1


async def _due_in(sessions: Sessions, ticket: dict[str, Any], seconds: float) -> datetime:
    """Moves the ticket's SLA end to ``seconds`` from now (its hours are business hours)."""
    due = datetime.now(UTC) + timedelta(seconds=seconds)
    ticket_id = uuid.UUID(ticket["id"])
    async with sessions.begin() as session:
        await session.execute(update(Ticket).where(col(Ticket.id) == ticket_id).values(due_at=due))
        await session.execute(
            update(TicketEscalation)
            .where(col(TicketEscalation.ticket_id) == ticket_id)
            .values(due_at=due)
        )
    return due


async def _escalations(sessions: Sessions, ticket: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        data
        for kind, data in await events_of(sessions, ticket["id"])
        if kind == "customer.ticket.escalated"
    ]


async def _history(sessions: Sessions, ticket: dict[str, Any]) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(
            select(TicketChange.action)
            .where(col(TicketChange.ticket_id) == uuid.UUID(ticket["id"]))
            .order_by(col(TicketChange.seq))
        )
        return list(rows)


async def test_fires_once_when_the_sla_passes_and_not_again_after_a_restart(
    stack: Stack, customer_sessions: Sessions
) -> None:
    app = stack.app("customer", desk_escalation_poll_seconds=POLL)
    async with running(app) as client:
        member = await new_member(client)
        ticket = await new_ticket(client, member_id=member["id"], priority="urgent")
        await client.post(f"/tickets/{ticket['id']}/judgement", json={"valid": True}, headers=DESK)
        await client.post(
            f"/tickets/{ticket['id']}/assignment", json={"assignee": "wang.fang"}, headers=DESK
        )
        due = await _due_in(customer_sessions, ticket, 1.0)
        await asyncio.sleep(0.5)
        assert await _escalations(customer_sessions, ticket) == []  # not before its time
        escalated = await eventually(lambda: _escalations(customer_sessions, ticket))
        read = (await client.get(f"/tickets/{ticket['id']}", headers=DESK)).json()
    assert len(escalated) == 1
    event = escalated[0]
    assert event["escalated_to"] == "manager"
    assert event["assignee"] == "wang.fang"
    assert event["number"] == ticket["number"]  # what messaging tells the member
    assert event["member_id"] == member["id"]
    assert datetime.fromisoformat(event["due_at"]) == due
    assert datetime.fromisoformat(event["escalated_at"]) >= due
    assert read["escalated_to"] == "manager"
    assert read["state"] == "assigned"  # escalation changes who watches, not the state

    async with running(stack.app("customer", desk_escalation_poll_seconds=POLL)) as client:
        await asyncio.sleep(10 * POLL)
        managers = await client.get("/tickets", params={"escalated": "true"}, headers=DESK)
    assert len(await _escalations(customer_sessions, ticket)) == 1
    assert (await _history(customer_sessions, ticket)).count("escalate") == 1
    assert ticket["id"] in {t["id"] for t in managers.json()["items"]}


async def test_due_while_stopped_fires_once_at_the_next_start(
    stack: Stack, customer_sessions: Sessions
) -> None:
    async with running(stack.app("customer", desk_escalation_poll_seconds=POLL)) as client:
        ticket = await new_ticket(client)
    await _due_in(customer_sessions, ticket, -60)  # its SLA ended while no worker ran
    assert await _escalations(customer_sessions, ticket) == []
    for _ in range(2):
        async with running(stack.app("customer", desk_escalation_poll_seconds=POLL)):
            await eventually(lambda: _escalations(customer_sessions, ticket))
            await asyncio.sleep(5 * POLL)
    assert len(await _escalations(customer_sessions, ticket)) == 1


async def test_two_workers_at_once_escalate_once(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    tickets = [await new_ticket(client) for _ in range(3)]
    for ticket in tickets:
        await _due_in(customer_sessions, ticket, -1)
    now = datetime.now(UTC)
    await asyncio.gather(*(escalate_due(customer_sessions, now) for _ in range(3)))
    for ticket in tickets:
        assert len(await _escalations(customer_sessions, ticket)) == 1
    async with customer_sessions() as session:
        done = await session.scalars(
            select(TicketEscalation.done_at).where(
                col(TicketEscalation.ticket_id).in_([uuid.UUID(t["id"]) for t in tickets])
            )
        )
        assert all(at is not None for at in done)


async def test_a_ticket_resolved_in_time_never_escalates(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    ticket = await new_ticket(client)
    for step, body in [
        ("judgement", {"valid": True}),
        ("assignment", {"assignee": "wang.fang"}),
        ("resolution", {"resolution": "已处理"}),
    ]:
        response = await client.post(f"/tickets/{ticket['id']}/{step}", json=body, headers=DESK)
        assert response.status_code == 200
    await _due_in(customer_sessions, ticket, -1)
    await escalate_due(customer_sessions, datetime.now(UTC))
    assert await _escalations(customer_sessions, ticket) == []
    async with customer_sessions() as session:
        work = await session.get(TicketEscalation, uuid.UUID(ticket["id"]))
    assert work is not None
    assert work.done_at is not None  # taken up, and left: nothing more is due
