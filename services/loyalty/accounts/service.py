"""The points kernel: the one way points move, and the accounts they move on.

:func:`move_points` is the only writer of accounts, the ledger and the point lots: it
appends the ledger entry, makes the lot of a credit or takes a debit from the lots,
updates the cached balance, and refuses to take the balance below zero or past
``MAX_BALANCE``. Earning, reversal and redemption all go through it, each writing only
what it owns beside it. Use cases flush, never commit: the caller owns the transaction.

Lock order of accounts, which every transaction follows: members' own accounts first, then
household accounts; among several of one kind, by account id. A movement for one member
locks their own account, then their household's if it is pooled (:func:`locked_account_of`);
a transaction that moves points for several members (a consumer's batch, a campaign's
close-out, an expiry run) takes all its accounts first with :func:`lock_accounts`, since
one member's own account then another's household, then a third's own account is the
cycle a till request (own, then household) closes.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, ScalarSelect

from services.loyalty.accounts import domain
from services.loyalty.accounts.domain import SOURCE_POINTS, Source, SourceType
from services.loyalty.accounts.draws import repository as draws
from services.loyalty.accounts.errors import AccountNotFound, InsufficientPoints
from services.loyalty.accounts.ledger import repository as ledger
from services.loyalty.accounts.ledger.repository import ShortfallRow
from services.loyalty.accounts.lots import repository as lot_rows
from services.loyalty.accounts.lots.repository import ExpiringLot
from services.loyalty.accounts.repository import accounts as repository
from services.loyalty.accounts.repository import movements
from services.loyalty.accounts.repository.movements import Along, Param
from services.loyalty.base import emit
from services.loyalty.program.domain import Rung
from shared.db import AsyncSession
from shared.events.loyalty import AccountOpened

__all__ = [  # the kernel's whole interface
    "Account",
    "Along",
    "Entry",
    "ExpiringLot",
    "Moved",
    "Movement",
    "Param",
    "ShortfallRow",
    "Source",
    "SourceType",
    "account_of",
    "expiring_lots",
    "ledger_page",
    "lock_accounts",
    "locked_account",
    "locked_account_now",
    "locked_account_of",
    "locked_own_account",
    "lot_of",
    "move_points",
    "open_account",
    "open_lots",
    "owner_of",
    "shortfall_entries",
]


@dataclass(frozen=True)
class Account:
    """An account as read; from ``locked_*``, its row is held until the transaction ends."""

    account_id: uuid.UUID
    balance: int
    pooled_into: uuid.UUID | None = None
    """The household account this member's own account is pooled into, if it is."""
    household: bool = False
    """Reached through a member's own account pooled into it: a household's account (an
    account locked by its id says nothing either way)."""


@dataclass(frozen=True)
class Movement:
    """Points to move on an account, and what moved them."""

    source: Source
    points: int
    """Signed: a credit is positive, a debit negative."""
    shortfall: int = 0
    """Points that should have left but could not (a reversal of points already spent)."""
    event_id: str | None = None
    """The event that caused the movement, if one did."""
    reason: str | None = None
    expires_at: datetime | None = None
    """When the lot a credit makes expires (None: never)."""
    pending: timedelta = timedelta(0)
    """How long the lot a credit makes stays pending (not spendable) after the entry."""
    spend: bool = True
    """A debit that spends (a redemption) takes only available points; a correction (a
    reversal, an expiry, a recovery, a staff adjustment) may take pending points too."""
    first_lot: uuid.UUID | None = None
    """The lot a correction takes from first (a return's purchase's, an expiring lot)."""
    restores: tuple[Source, ...] = ()
    """The debits a credit gives points back for (a till release its hold's), the latest
    first: the points come back on the terms of the lots those debits took them from (see
    :func:`services.loyalty.accounts.domain.restoration`); what no draw of theirs covers
    gets ``expires_at`` and ``pending``."""


@dataclass(frozen=True)
class Moved:
    """A recorded movement: its ledger entry and the balance after it."""

    entry_id: uuid.UUID
    balance: int
    created_at: datetime


async def account_of(session: AsyncSession, member_id: uuid.UUID) -> Account:
    """The account the member's points are on (their household's while they are in one,
    else their own), unlocked, for reading. Raises :class:`AccountNotFound`."""
    row = await repository.account_of(session, member_id)
    if row is None:
        raise AccountNotFound(f"No loyalty account for member {member_id}")
    return Account(row.account_id, row.balance)


def account_id_query(member_id: ColumnElement[uuid.UUID]) -> ScalarSelect[uuid.UUID]:
    """The id of the account :func:`account_of` finds for ``member_id`` (a bind parameter,
    so a statement embedding it is built once), as a scalar subquery (NULL when the member
    holds none): a capability's read that needs it with its own rows makes one round trip
    instead of two."""
    return repository.account_id_of(member_id)


async def locked_account_of(session: AsyncSession, member_id: uuid.UUID) -> Account | None:
    """The account the member's points are on, locked; None if they hold none.

    Their own account is locked first, then, if it is pooled, their household's: joining
    and leaving a household lock in the same order, so a movement that waited for one
    lands where the member's points are once it is done."""
    own = await repository.own_account(session, member_id, lock=True)
    if own is None:
        return None
    if own.pooled_into is None:
        return Account(own.account_id, own.balance)
    return replace(await locked_account(session, own.pooled_into), household=True)


async def lock_accounts(
    session: AsyncSession,
    *,
    member_ids: Collection[uuid.UUID] = (),
    account_ids: Collection[uuid.UUID] = (),
) -> set[uuid.UUID]:
    """Locks, in the kernel's lock order (see the module), the accounts movements for
    ``member_ids`` and on ``account_ids`` will lock: the members' own accounts and those of
    ``account_ids`` someone owns, by id, then the household accounts all these are pooled
    into and the rest of ``account_ids``, by id. Costs one statement, two if a household is
    among them. The ``locked_*`` reads after it wait for nothing (and a member's first one
    sends no statement); ids that name no account are left out. Returns the members whose
    own account it locked and who are in no household (their standings are theirs alone)."""
    if not member_ids and not account_ids:
        return set()
    return await repository.lock_in_order(
        session, sorted(set(member_ids)), sorted(set(account_ids))
    )


async def locked_account(session: AsyncSession, account_id: uuid.UUID) -> Account:
    """The account, locked. Raises :class:`AccountNotFound` for an id that names none."""
    row = await repository.lock_account(session, account_id)
    if row is None:
        raise AccountNotFound(f"No loyalty account {account_id}")
    return Account(row.account_id, row.balance, row.pooled_into)


async def locked_account_now(session: AsyncSession, account_id: uuid.UUID) -> Account:
    """The account where the points once credited to ``account_id`` are now, locked: the
    household account it is pooled into (locked after it), else the account itself.

    A reversal of a purchase a member made before joining a household takes the points
    back from the household, where joining moved them. Raises :class:`AccountNotFound`.
    """
    account = await locked_account(session, account_id)
    if account.pooled_into is None:
        return account
    return replace(await locked_account(session, account.pooled_into), household=True)


async def own_account_of(session: AsyncSession, member_id: uuid.UUID) -> Account:
    """The account the member owns, pooled into a household's or not (``pooled_into``
    says), unlocked, for reading. Raises :class:`AccountNotFound`."""
    row = await repository.own_account(session, member_id)
    if row is None:
        raise AccountNotFound(f"No loyalty account for member {member_id}")
    return Account(row.account_id, row.balance, row.pooled_into)


async def locked_own_account(session: AsyncSession, member_id: uuid.UUID, tier: Rung) -> Account:
    """The account the member owns, locked, pooled or not (``pooled_into`` says); opened
    as :func:`open_account` does if they have none yet."""
    await open_account(session, member_id, tier)
    own = await repository.own_account(session, member_id, lock=True)
    assert own is not None  # opened above
    return Account(own.account_id, own.balance, own.pooled_into)


async def open_account(session: AsyncSession, member_id: uuid.UUID, tier: Rung) -> Account:
    """The member's account, locked: opened (publishing ``loyalty.account.opened`` with
    ``tier``, the member's tier) unless they hold one already."""
    opened = await repository.open_account(session, member_id)
    if opened is None:
        held = await locked_account_of(session, member_id)
        assert held is not None  # the owner index said the member owns one
        return held
    await emit(
        session,
        AccountOpened(
            account_id=opened.account_id,
            member_id=member_id,
            tier_code=tier.code,
            tier_name=tier.name,
            opened_at=opened.opened_at,
        ),
    )
    return Account(opened.account_id, 0)  # a row we inserted is ours until commit


async def move_points(
    session: AsyncSession, account: Account, movement: Movement, *, along: Sequence[Along] = ()
) -> Moved | None:
    """Moves ``movement.points`` on ``account``, whose row the caller locked; None, having
    written nothing, if ``movement.source`` was recorded before.

    ``along`` are the caller's writes of its own tables that must happen exactly when the
    movement is recorded (a purchase's record, a tier standing); they go in the same
    statement (see :class:`Along`). A credit makes a lot (lots on the terms of the lots its
    ``restores`` debits drew on); a debit takes from the lots nearest expiry first and
    records what it took from each (its draws).

    A spend takes only available points (pending lots are left alone); a correction takes
    ``first_lot``, then pending, then available points (see
    :func:`services.loyalty.accounts.domain.correction_order`).

    Raises :class:`~services.loyalty.accounts.errors.InsufficientPoints` (422) for a debit
    larger than the balance (a spend: than the available balance) and
    :class:`~services.loyalty.accounts.errors.BalanceLimitReached` (422) past
    ``MAX_BALANCE``; ``ValueError`` for points of the wrong sign for the source.
    """
    if not SOURCE_POINTS[movement.source.type].admits(movement.points):
        raise ValueError(f"{movement.source.type} cannot move {movement.points} points")
    kept: list[tuple[uuid.UUID, int]] = []
    taken: list[tuple[uuid.UUID, int]] = []
    restoration: domain.Restoration | None = None
    if movement.points < 0:
        now = datetime.now(UTC)
        lots = await lot_rows.open_lots(session, account.account_id)
        if movement.spend:
            domain.check_spendable(lots, -movement.points, now)
        balance = domain.balance_after(account.balance, movement.points)
        kept = domain.consume(
            lots, -movement.points, now=now, spend=movement.spend, first=movement.first_lot
        )
        taken = domain.drawn(lots, kept)
    else:
        balance = domain.balance_after(account.balance, movement.points)
        if movement.restores:
            undrawn = await draws.undrawn(session, movement.restores)
            restoration = domain.restoration(undrawn, movement.points)
    recorded = await movements.record_movement(
        session,
        account_id=account.account_id,
        source=movement.source,
        points=movement.points,
        balance=balance,
        shortfall=movement.shortfall,
        event_id=movement.event_id,
        reason=movement.reason,
        lot_expires_at=movement.expires_at,
        lot_pending=movement.pending,
        lot=movement.points > 0 and restoration is None,
        along=along,
    )
    if recorded is None:
        return None
    await lot_rows.consume_lots(session, kept)
    await draws.record(session, recorded.entry_id, taken)
    if restoration is not None:
        await draws.restore(
            session,
            account_id=account.account_id,
            entry_id=recorded.entry_id,
            created_at=recorded.created_at,
            restoration=restoration,
            expires_at=movement.expires_at,
            available_at=recorded.created_at + movement.pending,
        )
    return Moved(recorded.entry_id, balance, recorded.created_at)


async def move_new_points(
    session: AsyncSession,
    account: Account,
    movement: Movement,
    *,
    field: str,
    along: Sequence[Along] = (),
) -> Moved:
    """:func:`move_points` for a source the caller has just made (a fresh id, so never
    recorded before); a shortage names the input ``field`` that asked for the points.

    Raises :class:`~services.loyalty.accounts.errors.InsufficientPoints` (422, at ``field``)
    and whatever :func:`move_points` raises.
    """
    try:
        moved = await move_points(session, account, movement, along=along)
    except InsufficientPoints as refused:
        refused.field = field  # the kernel does not know which input asked for the points
        raise
    if moved is None:
        raise RuntimeError(f"source {movement.source} was recorded before it was made")
    return moved


async def open_lots(session: AsyncSession, account_id: uuid.UUID) -> list[domain.OpenLot]:
    """The account's lots with points left (for reading; a movement reads its own)."""
    return await lot_rows.open_lots(session, account_id)


async def expiring_lots(
    session: AsyncSession,
    *,
    until: datetime,
    after: datetime | None = None,
    following: tuple[uuid.UUID, uuid.UUID] | None = None,
    limit: int,
) -> list[ExpiringLot]:
    """Up to ``limit`` lots with points left that expire by ``until`` (and after ``after``),
    ordered by account then lot, those after the ``(account_id, lot_id)`` ``following``."""
    return await lot_rows.expiring_lots(
        session, after=after, until=until, following=following, limit=limit
    )


async def owner_of(session: AsyncSession, account_id: uuid.UUID) -> uuid.UUID | None:
    """The member who owns the account (None for an account without an owner)."""
    return await repository.owner_of(session, account_id)


async def lot_of(session: AsyncSession, source: Source) -> uuid.UUID | None:
    """The lot the credit of ``source`` made (None: no such credit, or it made none)."""
    return await lot_rows.lot_of(session, source)


@dataclass(frozen=True)
class Entry:
    """One ledger entry, as the account's holders see it."""

    entry_id: uuid.UUID
    seq: int
    source: Source
    points: int
    balance_after: int
    shortfall: int
    reason: str | None
    created_at: datetime


async def ledger_page(
    session: AsyncSession, account_id: uuid.UUID, limit: int, before_seq: int | None
) -> list[Entry]:
    """Up to ``limit`` entries of the account, newest first, before position ``before_seq``."""
    return [
        Entry(
            entry_id=row.id,
            seq=row.seq,
            source=Source(row.source_type, row.source_id),
            points=row.points,
            balance_after=row.balance_after,
            shortfall=row.shortfall,
            reason=row.reason,
            created_at=row.created_at,
        )
        for row in await ledger.entries(session, account_id, limit, before_seq)
    ]


async def shortfall_entries(session: AsyncSession, account_id: uuid.UUID) -> list[ShortfallRow]:
    """The account's reversal entries that left a shortfall (points already spent), with
    its owner, oldest first. (``GET /shortfalls`` lists them across accounts with what was
    paid back: the shortfalls capability's query.)"""
    return await ledger.shortfall_entries(session, account_id)
