"""The program's use cases: the ladder and the earning rule, read, locked and changed.

Every change of points holds the program row ``FOR SHARE`` (:func:`locked_program`), and
every change of the program takes it ``FOR UPDATE``, so a ladder or rule change never runs
half-way through a point change. Use cases flush, never commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import SessionTransaction

from services.loyalty.program import domain, repository
from services.loyalty.program.domain import Rung
from services.loyalty.program.errors import UnknownTier
from services.loyalty.program.schemas import EarningRuleIn, EarningRuleOut, Ladder, TierIn, TierOut
from shared.db import AsyncSession


@dataclass(frozen=True)
class Program:
    """The earning rule and the ladder, as a point change sees them."""

    points_per_yuan: int
    multipliers_percent: Mapping[str, int]
    ladder: tuple[Rung, ...]

    @property
    def base_tier(self) -> Rung:
        return domain.base_tier(self.ladder)


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


async def current_ladder(session: AsyncSession) -> list[Rung]:
    """The ladder, lowest tier first."""
    return [Rung(t.code, t.name, t.threshold_fen) for t in await repository.ladder(session)]


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
    held = held_program(session)
    if held is not None:
        return held
    rule = await repository.earning_rule(session, lock="share")
    program = Program(
        points_per_yuan=rule.points_per_yuan,
        multipliers_percent={code: int(p) for code, p in rule.tier_multipliers_percent.items()},
        ladder=tuple(await current_ladder(session)),
    )
    session.info[_PROGRAM] = (_open_transactions(session)[0], program)
    return program


def held_program(session: AsyncSession) -> Program | None:
    """The program :func:`locked_program` read, while its lock is still held (in an open
    transaction of the session); None otherwise. A setting that only changes under the
    program ``FOR UPDATE`` can be kept as long as this returns the same object."""
    held = session.info.get(_PROGRAM)
    if held is None:
        return None
    taken_in, program = held
    if not any(taken_in is open_ for open_ in _open_transactions(session)):
        return None
    assert isinstance(program, Program)
    return program


def _forget_program(session: AsyncSession) -> None:
    """Called by whatever changes the program, so the same transaction reads the new one."""
    session.info.pop(_PROGRAM, None)


async def lock_for_change(session: AsyncSession) -> None:
    """Holds the program ``FOR UPDATE`` until the transaction ends, as a change of the
    program's settings kept elsewhere (the tier policy) must: no point change runs under it."""
    await repository.earning_rule(session, lock="update")
    _forget_program(session)


async def get_ladder(session: AsyncSession) -> Ladder:
    tiers = await repository.ladder(session)
    return Ladder(tiers=[TierOut.model_validate(tier) for tier in tiers])


@dataclass(frozen=True)
class LadderChange:
    """A ladder replaced: the tiers before, and the new ones."""

    previous: Mapping[str, Rung]
    """The tiers before the change, by code."""
    ladder: tuple[Rung, ...]


async def replace_ladder(session: AsyncSession, tiers: Sequence[TierIn]) -> LadderChange:
    """Replaces the ladder, holding the program ``FOR UPDATE``; multipliers of removed tiers
    are dropped. Members on a removed tier are the tiers capability's to place.

    Raises :class:`~services.loyalty.program.errors.InvalidLadder` (422).
    """
    rungs = tuple(Rung(t.code, t.name, t.threshold_fen) for t in tiers)
    domain.check_ladder(rungs)
    rule = await repository.earning_rule(session, lock="update")
    _forget_program(session)
    previous = {rung.code: rung for rung in await current_ladder(session)}
    await repository.replace_tiers(session, [tier.model_dump() for tier in tiers])
    codes = {rung.code for rung in rungs}
    multipliers = {c: p for c, p in rule.tier_multipliers_percent.items() if c in codes}
    if multipliers != rule.tier_multipliers_percent:
        await repository.save_earning_rule(session, rule.points_per_yuan, multipliers)
    return LadderChange(previous=previous, ladder=rungs)


async def get_earning_rule(session: AsyncSession) -> EarningRuleOut:
    rule = await repository.earning_rule(session)
    return EarningRuleOut(
        points_per_yuan=rule.points_per_yuan,
        tier_multipliers_percent=rule.tier_multipliers_percent,
        updated_at=rule.updated_at,
    )


async def set_earning_rule(session: AsyncSession, data: EarningRuleIn) -> EarningRuleOut:
    """Replaces the earning rule. Raises :class:`UnknownTier` (422) for a multiplier of a
    tier that is not on the ladder."""
    await repository.earning_rule(session, lock="update")
    _forget_program(session)
    ladder = await current_ladder(session)
    unknown = domain.unknown_tiers(data.tier_multipliers_percent, ladder)
    if unknown:
        raise UnknownTier(
            f"tier_multipliers_percent names {', '.join(map(repr, unknown))}, an unknown tier "
            f"in the ladder (tiers: {', '.join(rung.code for rung in ladder)})",
            field="tier_multipliers_percent",
            unknown_tiers=unknown,
        )
    await repository.save_earning_rule(
        session, data.points_per_yuan, dict(data.tier_multipliers_percent)
    )
    return await get_earning_rule(session)
