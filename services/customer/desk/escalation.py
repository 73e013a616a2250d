"""Automatic escalation (自动升级): a ticket still open when its SLA ends is escalated to
the manager role, once.

The due work is the ``ticket_escalations`` row written with the ticket. A run claims due
rows with ``FOR UPDATE SKIP LOCKED`` and, in the same transaction, marks the ticket
escalated, records it in the history, publishes ``customer.ticket.escalated`` and marks
the row done. So a crash before the commit leaves the row due for the next run, and after
it the row is done: exactly once, across restarts and replicas. A ticket resolved or
closed first is left as it is when its row comes due (the row is marked done then): the
actions never touch the due rows, so no action and run lock the two tables in opposite
orders.
"""

from __future__ import annotations

from datetime import datetime

from services.customer.base import emit
from services.customer.desk import domain, repository
from shared.db import Sessions, transaction
from shared.events.customer import TicketEscalated

SYSTEM_ACTOR = "system"
BATCH = 100


async def escalate_due(sessions: Sessions, now: datetime) -> int:
    """Escalates the tickets whose SLA ended by ``now`` (UTC) and are still open, a batch
    of ``BATCH`` per transaction; returns how many it escalated."""
    escalated = 0
    while True:
        async with transaction(sessions) as session:
            due = await repository.claim_due_escalations(session, now, BATCH)
            for work in due:
                work.done_at = now
                ticket = await repository.get(session, work.ticket_id, lock=True)
                if ticket is None or ticket.state not in domain.OPEN:
                    continue
                ticket.escalated_at = now
                ticket.escalated_to = domain.ESCALATION_ROLE
                ticket.updated_at = now
                repository.record(
                    session,
                    ticket,
                    "escalate",
                    domain.ticket_state(ticket.state),
                    SYSTEM_ACTOR,
                    now,
                    domain.ESCALATION_ROLE,
                )
                await emit(
                    session,
                    TicketEscalated(
                        ticket_id=ticket.id,
                        member_id=ticket.member_id,
                        kind=domain.ticket_kind(ticket.kind),
                        priority=domain.ticket_priority(ticket.priority),
                        number=ticket.number,
                        due_at=ticket.due_at,
                        escalated_at=now,
                        escalated_to=domain.ESCALATION_ROLE,
                        assignee=ticket.assignee,
                    ),
                )
                escalated += 1
        if len(due) < BATCH:
            return escalated
