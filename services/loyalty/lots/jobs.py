"""The daily jobs of lots: expire what is due, announce what expires soon.

Both are idempotent by their data and commit in batches (see :mod:`shared.jobs`): a lot
expires with the ledger entry ``('expiry', lot_id)``, at most one per lot, after which it
holds nothing and is no longer due; a lot's coming expiry is announced with its row in
``expiry_notices``, at most one per lot, written in the transaction of the event. A crash
between batches leaves the rest for the next run; a crash inside one rolls it back whole.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import groupby

from services.loyalty.accounts import service as accounts
from services.loyalty.accounts.domain import consumption_order
from services.loyalty.accounts.pools import service as pools
from services.loyalty.accounts.service import Account, ExpiringLot, Movement, Source
from services.loyalty.base import emit
from services.loyalty.lots import repository
from services.loyalty.lots.domain import last_valid_day
from services.loyalty.lots.service import current_policy
from shared.db import AsyncSession, Sessions, transaction
from shared.events.loyalty import ExpiredLot, ExpiringLotNotice, PointsExpired, PointsExpiring
from shared.inputs import input_defaults
from shared.jobs import DailyJob

BATCH = 500
"""Lots per transaction."""


async def expire_due(sessions: Sessions, now: datetime, batch: int = BATCH) -> int:
    """Expires every lot with points left whose ``expires_at`` is at or before ``now``, a
    batch of lots per transaction; the number of lots expired."""
    expired = 0
    while True:
        async with transaction(sessions) as session:
            due = await accounts.expiring_lots(session, until=now, limit=batch)
            done = await _expire(session, due, now)
        expired += done
        if len(due) < batch or done == 0:
            return expired


async def _expire(session: AsyncSession, due: Sequence[ExpiringLot], now: datetime) -> int:
    """Expires the lots, account by account, their accounts locked first in the kernel's
    lock order (so that a run queues up behind a purchase batch or another run instead of
    deadlocking); each account's lots are read again under its lock."""
    await accounts.lock_accounts(session, account_ids=[lot.account_id for lot in due])
    expired = 0
    for account_id, group in groupby(due, key=lambda lot: lot.account_id):
        named = {lot.lot_id for lot in group}
        account = await accounts.locked_account(session, account_id)
        gone: list[ExpiredLot] = []
        for lot in sorted(await accounts.open_lots(session, account_id), key=consumption_order):
            if lot.lot_id not in named or lot.expires_at is None or lot.expires_at > now:
                continue
            movement = Movement(
                Source("expiry", lot.lot_id),
                -lot.remaining,
                reason="expired",
                spend=False,
                first_lot=lot.lot_id,
            )
            moved = await accounts.move_points(session, account, movement)
            assert moved is not None  # a lot with points left never expired before
            account = Account(account_id, moved.balance)
            gone.append(
                ExpiredLot(
                    lot_id=lot.lot_id,
                    entry_id=moved.entry_id,
                    points=lot.remaining,
                    expired_at=lot.expires_at,
                )
            )
        if gone:
            await emit(
                session,
                *(
                    PointsExpired(
                        member_id=member_id,
                        account_id=account_id,
                        lots=tuple(gone),
                        points=sum(lot.points for lot in gone),
                        balance=account.balance,
                    )
                    for member_id in await _told(session, account_id)
                ),
            )
        expired += len(gone)
    return expired


async def announce_expiring(sessions: Sessions, now: datetime, batch: int = BATCH) -> int:
    """Announces (``loyalty.points.expiring``, one event per account and batch) every lot
    with points left that expires after ``now`` and within the policy's notice days, and
    was not announced before; the number of lots announced."""
    async with sessions() as session:
        notice = timedelta(days=(await current_policy(session)).expiring_notice_days)
    following: tuple[uuid.UUID, uuid.UUID] | None = None
    announced = 0
    while True:
        async with transaction(sessions) as session:
            coming = await accounts.expiring_lots(
                session, after=now, until=now + notice, following=following, limit=batch
            )
            for account_id, group in groupby(coming, key=lambda lot: lot.account_id):
                announced += await _announce(session, account_id, list(group))
        if len(coming) < batch:
            return announced
        following = (coming[-1].account_id, coming[-1].lot_id)


async def _announce(
    session: AsyncSession, account_id: uuid.UUID, lots: Sequence[ExpiringLot]
) -> int:
    """Announces those of the account's lots not announced before; how many it announced."""
    new = await repository.record_notices(session, account_id, [lot.lot_id for lot in lots])
    told = await _told(session, account_id)
    if not new or not told:
        return 0
    zone = input_defaults().business_timezone
    notices = tuple(
        ExpiringLotNotice(
            lot_id=lot.lot_id,
            points=lot.remaining,
            expires_at=lot.expires_at,
            valid_through=last_valid_day(lot.expires_at, zone),
        )
        for lot in lots
        if lot.lot_id in new
    )
    await emit(
        session,
        *(
            PointsExpiring(
                member_id=member_id,
                account_id=account_id,
                lots=notices,
                points=sum(notice.points for notice in notices),
                first_valid_through=min(notice.valid_through for notice in notices),
            )
            for member_id in told
        ),
    )
    return len(notices)


async def _told(session: AsyncSession, account_id: uuid.UUID) -> list[uuid.UUID]:
    """Who is told of the account's expiring and expired points: its owner, or every
    holder of a household's account (each gets an event of their own)."""
    owner = await accounts.owner_of(session, account_id)
    if owner is not None:
        return [owner]
    return [holder.member_id for holder in await pools.holders(session, account_id)]


DAILY: tuple[DailyJob, ...] = (
    DailyJob("lots.expire", expire_due),
    DailyJob("lots.announce_expiring", announce_expiring),
)
"""Registered on loyalty's daily job runner (``services.loyalty.main``)."""
