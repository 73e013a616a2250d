"""Pure rules of tickets: their states and which action moves a ticket from which state.

::

    recorded --judge valid--> judged --assign--> assigned --resolve--> resolved
        |                                  ^  |                          |
        +--judge invalid--> closed         +--+ (reassign)          follow_up
                                                                         v
                                               closed <--close-- followed_up

A ticket judged invalid (not a matter for the desk: a wrong number, a prank) is closed
with the reason. The SLA runs from recording to resolution: a ticket is *open* (and can
become overdue) while it is recorded, judged or assigned.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from services.customer.desk.errors import WrongState
from services.customer.desk.sla.domain import KINDS, PRIORITIES, Kind, Priority

State = Literal["recorded", "judged", "assigned", "resolved", "followed_up", "closed"]
STATES: tuple[State, ...] = get_args(State)
Action = Literal["judge", "assign", "resolve", "follow_up", "close"]
Channel = Literal["hotline", "store", "app", "email", "wechat", "letter"]
CHANNELS: tuple[Channel, ...] = get_args(Channel)

OPEN: frozenset[State] = frozenset({"recorded", "judged", "assigned"})
"""States in which the SLA runs."""

_FROM: dict[Action, frozenset[State]] = {
    "judge": frozenset({"recorded"}),
    "assign": frozenset({"judged", "assigned"}),
    "resolve": frozenset({"assigned"}),
    "follow_up": frozenset({"resolved"}),
    "close": frozenset({"followed_up"}),
}
_TO: dict[Action, State] = {
    "judge": "judged",
    "assign": "assigned",
    "resolve": "resolved",
    "follow_up": "followed_up",
    "close": "closed",
}

_PAST: dict[Action, str] = {
    "judge": "judged",
    "assign": "assigned",
    "resolve": "resolved",
    "follow_up": "followed up",
    "close": "closed",
}

ESCALATION_ROLE = "manager"
"""Who an overdue ticket escalates to (seed 001's 自动升级)."""


def next_state(state: State, action: Action, *, valid: bool = True) -> State:
    """The state ``action`` leads to from ``state``; raises :class:`WrongState` (409) when
    the action does not apply there. ``valid=False`` (a judgement of invalid) closes."""
    if state not in _FROM[action]:
        allowed = ", ".join(sorted(_FROM[action]))
        raise WrongState(
            f"A ticket that is {state} cannot be {_PAST[action]}: only one that is {allowed}"
        )
    if action == "judge" and not valid:
        return "closed"
    return _TO[action]


def ticket_state(stored: str) -> State:
    """A stored state as its type (the column's CHECK allows only these)."""
    for state in STATES:
        if state == stored:
            return state
    raise ValueError(f"unknown ticket state {stored!r}")


def ticket_kind(stored: str) -> Kind:
    for kind in KINDS:
        if kind == stored:
            return kind
    raise ValueError(f"unknown ticket kind {stored!r}")


def ticket_priority(stored: str) -> Priority:
    for priority in PRIORITIES:
        if priority == stored:
            return priority
    raise ValueError(f"unknown ticket priority {stored!r}")


@dataclass(frozen=True)
class Filters:
    """Which tickets a list keeps; ``None`` keeps any."""

    state: State | None = None
    kind: str | None = None
    assignee: str | None = None
    member_id: uuid.UUID | None = None
    overdue_at: datetime | None = None
    """Only tickets open past their due time at this instant."""
    not_overdue_at: datetime | None = None
    """Only tickets not open past their due time at this instant."""
    escalated: bool | None = None
    store_id: uuid.UUID | None = None
    """Only the tickets of this store (a scoped manager's list)."""
