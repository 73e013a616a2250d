"""What loyalty's handlers share: the order in which they take their locks."""

from __future__ import annotations

from shared.db import Sessions
from tests.loyalty.conftest import (
    funded_member,
    handle,
    ledger_of,
    purchase_event,
    registered_event,
    return_event,
)
from tests.loyalty.statements import engine_of, statements


def _locked(sent: list[str]) -> list[str]:
    """The tables locked, in order: ``account`` and ``standing``."""
    order: list[str] = []
    for statement in sent:
        if "FOR UPDATE" not in statement:
            continue
        if "FROM loyalty.accounts" in statement:
            order.append("account")
        elif "FROM loyalty.tier_standings" in statement:
            order.append("standing")
    return order


async def test_every_handler_locks_the_account_before_the_standing(
    loyalty_sessions: Sessions,
) -> None:
    """A registration that took the standing first would deadlock with a purchase of the
    same member, which takes the account first, when two consumers apply them at once."""
    member_id = await funded_member(loyalty_sessions, 20_000)
    [earned] = await ledger_of(loyalty_sessions, member_id)
    events = [
        registered_event(member_id),
        purchase_event(member_id, 10_000),
        return_event(member_id, earned.source_id, 5_000, 20_000),
    ]
    for event in events:
        with statements(engine_of(loyalty_sessions)) as sent:
            await handle(loyalty_sessions, event)
        assert _locked(sent) == ["account", "standing"], event.type
