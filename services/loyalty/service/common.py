"""What the loyalty use cases share: the locked program and account, tier-change events."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import SessionTransaction

from services.loyalty import domain, repository
from services.loyalty.domain import Rung
from services.loyalty.repository import LockedAccount
from shared.db import AsyncSession
from shared.events.loyalty import TierChanged


def tier_changed(
    member_id: uuid.UUID, from_tier: str, to: Rung, direction: domain.Direction, spend_fen: int
) -> TierChanged:
    return TierChanged(
        member_id=member_id,
        from_tier=from_tier,
        to_tier=to.code,
        to_tier_name=to.name,
        direction=direction,
        qualifying_spend_fen=spend_fen,
    )


async def current_ladder(session: AsyncSession) -> list[Rung]:
    return [Rung(t.code, t.name, t.threshold_fen) for t in await repository.ladder(session)]


@dataclass(frozen=True)
class Program:
    """The earning rule and the ladder, as a point change sees them."""

    points_per_yuan: int
    multipliers_percent: Mapping[str, int]
    ladder: tuple[Rung, ...]


_PROGRAM = "loyalty.locked_program"


def _open_transactions(session: AsyncSession) -> list[SessionTransaction]:
    """The innermost open transaction (a savepoint, perhaps) and those around it."""
    sync = session.sync_session
    current = sync.get_nested_transaction() or sync.get_transaction()
    chain: list[SessionTransaction] = []
    while current is not None:
        chain.append(current)
        current = current.parent
    return chain


async def locked_program(session: AsyncSession) -> Program:
    """The earning rule and ladder, the rule's row held ``FOR SHARE`` until the transaction ends.

    Changing the ladder or the rule takes that row ``FOR UPDATE``, so while we hold it the
    program cannot change under a point change. That makes one read per transaction enough:
    it is kept in ``session.info`` for the transaction (or savepoint) that took the lock, and
    read and locked again in any other (a later transaction on the same session, or after a
    rollback to a savepoint taken before the lock, which releases it). The ladder is read by
    its own statement after the lock is granted, so it sees a change that committed while
    we waited for it.
    """
    held = session.info.get(_PROGRAM)
    if held is not None:
        taken_in, program = held
        if any(taken_in is open_ for open_ in _open_transactions(session)):
            assert isinstance(program, Program)
            return program
    rule = await repository.earning_rule(session, lock="share")
    program = Program(
        points_per_yuan=rule.points_per_yuan,
        multipliers_percent={code: int(p) for code, p in rule.tier_multipliers_percent.items()},
        ladder=tuple(await current_ladder(session)),
    )
    session.info[_PROGRAM] = (_open_transactions(session)[0], program)
    return program


def forget_program(session: AsyncSession) -> None:
    """Called by whatever changes the program, so the same transaction reads the new one."""
    session.info.pop(_PROGRAM, None)


async def locked_account(
    session: AsyncSession, member_id: uuid.UUID, ladder: Sequence[Rung]
) -> LockedAccount:
    """The member's account, locked; opened at the base tier if the member is new to us."""
    account = await repository.lock_account(session, member_id)
    if account is None:
        account = await repository.open_locked_account(
            session, member_id, domain.tier_for_spend(ladder, 0).code
        )
    return account
