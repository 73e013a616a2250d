"""Reversal shortfalls: listing them for staff, and paying them back from new earnings.

A return (or void) of a purchase whose points were spent takes back what the balance
holds and records the rest as the entry's ``shortfall``. With the brand's policy
``shortfall_payback`` on, the next earnings of the account pay the oldest shortfalls
back first: the earn entry stays whole (the purchase's points are what the rules give,
and a later return of it reverses them in proportion), and a ``recovery`` entry right
after it takes the payback, sourced by the purchase, with one ``recoveries`` row per
shortfall it settles. Use cases flush, never commit.
"""

from __future__ import annotations

import uuid

from services.loyalty.accounts import service as accounts
from services.loyalty.accounts.service import Account, Movement, Source
from services.loyalty.base import emit
from services.loyalty.lots import service as lots
from services.loyalty.shortfalls import domain, repository
from services.loyalty.shortfalls.domain import Owed, ShortfallStatus
from services.loyalty.shortfalls.repository import Listed
from services.loyalty.shortfalls.schemas import ShortfallOut, ShortfallPage
from shared.db import AsyncSession
from shared.events.loyalty import RecoveredShortfall, ShortfallRecovered


async def shortfalls_page(
    session: AsyncSession,
    limit: int,
    before: int | None,
    *,
    status: ShortfallStatus | None = None,
    member_id: uuid.UUID | None = None,
) -> ShortfallPage:
    """Reversal entries with a shortfall, newest first, each with what was paid back:
    those still ``outstanding`` or ``settled`` (all if None), on the accounts ``member_id``
    holds (their own and their household's; all if None), older than position
    ``before``."""
    rows = await repository.listed(
        session, status=status, member_id=member_id, limit=limit + 1, before_seq=before
    )
    page = rows[:limit]
    return ShortfallPage(
        items=[_out(row) for row in page],
        next_cursor=str(page[-1].seq) if len(rows) > limit and page else None,
    )


def _out(row: Listed) -> ShortfallOut:
    return ShortfallOut(
        entry_id=row.entry_id,
        account_id=row.account_id,
        member_id=row.member_id,
        source_type=row.source_type,  # only reversals fall short: pydantic checks it
        source_id=row.source_id,
        shortfall=row.shortfall,
        recovered=row.recovered,
        outstanding=row.shortfall - row.recovered,
        created_at=row.created_at,
    )


async def recover(
    session: AsyncSession,
    account: Account,
    member_id: uuid.UUID,
    purchase_id: uuid.UUID,
    earned: int,
) -> None:
    """Pays back the account's oldest shortfalls from the ``earned`` points the purchase
    just credited, if the brand's policy says so; the account is the caller's, locked,
    with its balance after the earn. Publishes ``loyalty.shortfall.recovered``."""
    if earned <= 0 or not (await lots.current_policy(session)).shortfall_payback:
        return
    entries = await accounts.shortfall_entries(session, account.account_id)
    if not entries:
        return
    recovered = await repository.recovered(session, [entry.entry_id for entry in entries])
    owed = [Owed(e.entry_id, e.shortfall - recovered.get(e.entry_id, 0)) for e in entries]
    paid = domain.payback(owed, earned)
    if not paid:
        return
    points = sum(share for _, share in paid)
    movement = Movement(
        Source("recovery", purchase_id),
        -points,
        reason="shortfall paid back",
        spend=False,
        first_lot=await accounts.lot_of(session, Source("purchase", purchase_id)),
    )
    moved = await accounts.move_points(session, account, movement)
    if moved is None:  # the purchase paid back before (its earn was then ignored too)
        return
    await repository.record(
        session, purchase_id=purchase_id, account_id=account.account_id, paid=paid
    )
    await emit(
        session,
        ShortfallRecovered(
            member_id=member_id,
            account_id=account.account_id,
            purchase_id=purchase_id,
            entry_id=moved.entry_id,
            points=points,
            balance=moved.balance,
            shortfalls=tuple(RecoveredShortfall(entry_id=e, points=p) for e, p in paid),
        ),
    )
