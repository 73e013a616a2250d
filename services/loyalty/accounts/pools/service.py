"""Pooled accounts (a household's): opened empty, joined by members whose own account is
then pooled into them, left with a share. Points move between the accounts as transfers
through the kernel (:func:`services.loyalty.accounts.service.move_points`): two entries
with the transfer's id. Use cases flush, never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from services.loyalty.accounts import domain
from services.loyalty.accounts.domain import Source
from services.loyalty.accounts.lots import repository as lot_rows
from services.loyalty.accounts.pools import repository
from services.loyalty.accounts.service import Account, Along, Moved, Movement, move_points
from shared.db import AsyncSession


async def open_pool(session: AsyncSession) -> Account:
    """A new account that no one owns, for a household; members join it with
    :func:`join_pool`. It is the caller's (locked) until the transaction ends."""
    return Account(await repository.open_pool(session), 0)


@dataclass(frozen=True)
class Holder:
    member_id: uuid.UUID
    since: datetime
    """When they became a holder (their household joining, for a pool)."""


async def holders(
    session: AsyncSession, account_id: uuid.UUID, *, household: bool = False
) -> list[Holder]:
    """Who holds the account, the longest-standing first; with ``household``, only the
    members holding it as their household's (empty for an account someone owns, so it
    also tells a household's account from a member's own)."""
    rows = await repository.holders(session, account_id, household=household)
    return [Holder(row.member_id, row.since) for row in rows]


@dataclass(frozen=True)
class Transferred:
    """Points moved between two accounts: the entry of each side, the balances after."""

    points: int
    taken: Moved
    given: Moved


async def _transfer(
    session: AsyncSession,
    source: Account,
    target: Account,
    points: int,
    transfer_id: uuid.UUID,
    *,
    reason: str,
    event_id: str | None,
    along: Sequence[Along],
) -> Transferred | None:
    """Moves ``points`` (positive) from ``source`` to ``target``, both locked: a
    ``transfer_out`` entry on one, ``transfer_in`` on the other, the same transfer id.
    Pending points move too; the credit's one lot takes :func:`domain.transfer_terms`.
    ``along`` goes with the credit. None if the transfer was recorded before."""
    lots = await lot_rows.open_lots(session, source.account_id)
    domain.balance_after(source.balance, -points)
    now = datetime.now(UTC)
    terms = domain.transfer_terms(lots, domain.consume(lots, points, now=now, spend=False), now)
    taken = await move_points(
        session,
        source,
        Movement(
            Source("transfer_out", transfer_id),
            -points,
            event_id=event_id,
            reason=reason,
            spend=False,
        ),
    )
    if taken is None:
        return None
    given = await move_points(
        session,
        target,
        Movement(
            Source("transfer_in", transfer_id),
            points,
            event_id=event_id,
            reason=reason,
            expires_at=terms.expires_at,
            pending=terms.pending,
        ),
        along=along,
    )
    assert given is not None  # the same transfer id was not recorded on the other side
    return Transferred(points, taken, given)


async def join_pool(
    session: AsyncSession,
    member_id: uuid.UUID,
    own: Account,
    pool: Account,
    transfer_id: uuid.UUID,
    *,
    reason: str,
    event_id: str | None = None,
    along: Sequence[Along] = (),
) -> Transferred | None:
    """The member holds ``pool`` from now on and their own account (``own``, locked
    before ``pool``) is pooled into it: its whole balance moves there (None when it holds
    no points; ``along`` goes with the credit). From then on every movement for the
    member lands on the pool (:func:`locked_account_of`, :func:`locked_account_now`).

    Raises :class:`~services.loyalty.accounts.errors.BalanceLimitReached` (422) if the
    pool cannot take the points."""
    await repository.pool(session, member_id, own.account_id, pool.account_id)
    if own.balance == 0:
        return None
    return await _transfer(
        session, own, pool, own.balance, transfer_id, reason=reason, event_id=event_id, along=along
    )


async def leave_pool(
    session: AsyncSession,
    member_id: uuid.UUID,
    own: Account,
    pool: Account,
    points: int,
    transfer_id: uuid.UUID,
    *,
    reason: str,
    event_id: str | None = None,
    along: Sequence[Along] = (),
) -> Transferred | None:
    """The member no longer holds ``pool``; their own account (``own``, locked before
    ``pool``) is theirs alone again and takes ``points`` (0 to the pool's balance) from
    the pool. None when ``points`` is 0.

    Raises :class:`~services.loyalty.accounts.errors.InsufficientPoints` (422) for more
    points than the pool holds."""
    await repository.unpool(session, member_id, own.account_id, pool.account_id)
    if points == 0:
        return None
    return await _transfer(
        session, pool, own, points, transfer_id, reason=reason, event_id=event_id, along=along
    )
