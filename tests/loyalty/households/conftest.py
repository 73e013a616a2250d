"""Households applied by hand: customer's events as loyalty's handlers receive them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text

from shared.db import Sessions
from shared.events import CloudEvent
from shared.events.customer import HouseholdCreated, HouseholdJoined, HouseholdLeft
from tests.loyalty.conftest import handle


def _event(payload: HouseholdCreated | HouseholdJoined | HouseholdLeft) -> CloudEvent:
    return CloudEvent.of(payload, source="/huiyuan/customer")


def created(household_id: uuid.UUID, head: uuid.UUID, version: int | None = None) -> CloudEvent:
    return _event(
        HouseholdCreated(
            household_id=household_id,
            member_id=head,
            created_at=datetime.now(UTC),
            version=version,
        )
    )


def joined(household_id: uuid.UUID, member_id: uuid.UUID, version: int | None = None) -> CloudEvent:
    return _event(
        HouseholdJoined(
            household_id=household_id,
            member_id=member_id,
            joined_at=datetime.now(UTC),
            version=version,
        )
    )


def left(
    household_id: uuid.UUID,
    member_id: uuid.UUID,
    dissolved: bool = False,
    version: int | None = None,
) -> CloudEvent:
    return _event(
        HouseholdLeft(
            household_id=household_id,
            member_id=member_id,
            left_at=datetime.now(UTC),
            dissolved=dissolved,
            version=version,
        )
    )


async def household(sessions: Sessions, head: uuid.UUID, *others: uuid.UUID) -> uuid.UUID:
    """A household headed by ``head`` that ``others`` joined, in order."""
    household_id = uuid.uuid4()
    await handle(sessions, created(household_id, head))
    for member in others:
        await handle(sessions, joined(household_id, member))
    return household_id


@dataclass(frozen=True)
class Pooled:
    own_account: uuid.UUID
    own_balance: int
    pooled_into: uuid.UUID | None
    pool_balance: int | None


async def pooled(sessions: Sessions, member_id: uuid.UUID) -> Pooled:
    """The member's own account and the pool it is pooled into, if any."""
    async with sessions() as session:
        row = (
            await session.execute(
                text(
                    "SELECT a.account_id, a.balance, a.pooled_into, p.balance "
                    "FROM loyalty.account_holders h JOIN loyalty.accounts a USING (account_id) "
                    "LEFT JOIN loyalty.accounts p ON p.account_id = a.pooled_into "
                    "WHERE h.member_id = :member AND h.role = 'owner'"
                ),
                {"member": member_id},
            )
        ).one()
    return Pooled(*row)


async def entries(sessions: Sessions, account_id: uuid.UUID) -> list[tuple[str, int, int]]:
    """``(source_type, points, balance_after)`` of the account's entries, oldest first."""
    async with sessions() as session:
        rows = await session.execute(
            text(
                "SELECT source_type, points, balance_after FROM loyalty.ledger_entries "
                "WHERE account_id = :account ORDER BY seq"
            ),
            {"account": account_id},
        )
        return [(row[0], row[1], row[2]) for row in rows]
