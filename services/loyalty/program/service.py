"""The program's use cases: the ladder, read, locked and changed, and the program's lock.

Every change of points holds the program row ``FOR SHARE`` (:func:`locked_program`), and
every change of the program (the ladder here, the earning rules in
:mod:`services.loyalty.rules.service`) takes it ``FOR UPDATE``
(:func:`locked_for_change`), so a ladder or rule change never runs half-way through a
point change. Use cases flush, never commit.

What a point change reads of the program (the ladder here; the tier and points policies,
the rules' versions and the campaigns in their capabilities) is kept in process memory
across transactions (:func:`kept_read`) under the two tokens the lock's own statement
returns (:mod:`shared.kept`): a batch that holds the program sends that one statement, not
seven. A change under the lock ``FOR UPDATE`` gives the lock row a new token, which a
point change waiting for the lock reads when it is granted; a write of any table those
reads come from (by any process, a change not under the lock included) gives the
``kept_versions`` row one, which the next transaction to take the lock reads. The same
statement reads the tokens of two more reads a point change makes, kept the same way
under rows of their own (``KEPT_READS``), so that a write of theirs keeps the program's:
the draw campaigns not ended, and the ancestors of the product categories.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar, get_args

from sqlalchemy.orm import SessionTransaction

from services.loyalty.program import domain, repository
from services.loyalty.program.domain import Rung
from services.loyalty.program.models import KEPT_READS
from services.loyalty.program.schemas import Ladder, TierIn, TierOut
from shared.db import AsyncSession
from shared.kept import Kept

T = TypeVar("T")


@dataclass(frozen=True)
class Program:
    """The ladder, as a point change sees it (the earning rules in force depend on the
    sale's time: :func:`services.loyalty.rules.service.rate_purchase`)."""

    ladder: tuple[Rung, ...]
    lock: uuid.UUID
    """The lock row's token its lock was taken with."""
    kept: Mapping[str, uuid.UUID]
    """The ``kept_versions`` rows' tokens read with the lock, by name (``KEPT_READS``)."""

    @property
    def base_tier(self) -> Rung:
        return domain.base_tier(self.ladder)

    def version(self, read: KeptRead = "program") -> tuple[uuid.UUID, uuid.UUID]:
        """The version ``read`` is kept under in this transaction: the lock row's token
        and its ``kept_versions`` row's."""
        return self.lock, self.kept[read]


KeptRead = Literal["program", "draw_campaigns", "category_ancestors"]
"""A row of ``kept_versions`` (``KEPT_READS``)."""
assert set(get_args(KeptRead)) == set(KEPT_READS)


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
    """The program, its lock row held ``FOR SHARE`` until the transaction ends.

    Changing the ladder or the earning rules takes that row ``FOR UPDATE``, so while we hold it the
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
    lock, kept = await repository.share_program(session)
    ladder = await _LADDER.read((lock, kept["program"]), lambda: _ladder(session))
    program = Program(ladder=ladder, lock=lock, kept=kept)
    session.info[_PROGRAM] = (_open_transactions(session)[0], program)
    return program


_LADDER: Kept[tuple[Rung, ...]] = Kept()


async def _ladder(session: AsyncSession) -> tuple[Rung, ...]:
    return tuple(await current_ladder(session))


async def kept_read(
    session: AsyncSession,
    kept: Kept[T],
    load: Callable[[], Awaitable[T]],
    read: KeptRead = "program",
) -> T:
    """What ``load`` reads of the program, holding the program's lock
    (:func:`locked_program`): kept in ``kept`` across transactions while the tokens of
    ``read`` stay those it was read under. ``load`` reads only tables whose writes give
    ``kept_versions``' ``read`` row a new token (the triggers of their migrations), and its
    value is never changed by the caller."""
    program = await locked_program(session)
    return await kept.read(program.version(read), load)


async def kept_while_held(
    session: AsyncSession, kept: Kept[T], load: Callable[[], Awaitable[T]]
) -> T:
    """:func:`kept_read`'s value while the transaction holds the program (a point change);
    without it, what ``load`` reads now, and nothing kept."""
    held = held_program(session)
    if held is None:
        return await load()
    return await kept.read(held.version(), load)


def forget_program(session: AsyncSession) -> None:
    """For a transaction that wrote a table the program's kept reads come from while it
    may hold the program ``FOR SHARE`` (the points policy, a campaign's close-out, a draw
    campaign, a product's category): its next point change reads the tokens again, its own
    write's among them, so what it reads is not kept under the tokens other transactions
    see."""
    session.info.pop(_PROGRAM, None)


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


async def locked_for_change(session: AsyncSession) -> list[Rung]:
    """Takes the program's lock ``FOR UPDATE`` for a change of the program or of a setting
    kept elsewhere under it (earning rules, the tier policy, benefits), waiting for the point
    changes under way, and returns the ladder; the same transaction's next point change
    reads the program again."""
    await repository.change_program(session)
    session.info.pop(_PROGRAM, None)
    return await current_ladder(session)


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
    """Replaces the ladder, holding the program ``FOR UPDATE``. Members on a removed tier
    are the tiers capability's to place; earning rules naming it no longer match anyone.

    Raises :class:`~services.loyalty.program.errors.InvalidLadder` (422).
    """
    rungs = tuple(Rung(t.code, t.name, t.threshold_fen) for t in tiers)
    domain.check_ladder(rungs)
    previous = {rung.code: rung for rung in await locked_for_change(session)}
    await repository.replace_tiers(session, [tier.model_dump() for tier in tiers])
    return LadderChange(previous=previous, ladder=rungs)
