"""Points earned on purchases and reversed on returns and voids.

A purchase earns at the rate of the buyer's tier before it, on the account they hold;
a return takes back points in proportion, a void all the purchase still counts for. All
move points through the kernel (:func:`services.loyalty.accounts.service.move_points`),
sending their own writes (the purchase record, the return, the tier standing) in the
same statement. Use cases flush,
never commit.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Collection, Mapping
from datetime import datetime
from functools import partial
from typing import Any

from services.loyalty.accounts import service as accounts
from services.loyalty.accounts.service import Movement, Source
from services.loyalty.base import emit
from services.loyalty.campaigns import service as campaigns
from services.loyalty.lots import service as lots
from services.loyalty.points import domain, repository
from services.loyalty.points.errors import PurchaseNotKnown
from services.loyalty.program.service import locked_program
from services.loyalty.rules import service as rules
from services.loyalty.shortfalls import service as shortfalls
from services.loyalty.tiers import qualification
from shared.db import AsyncSession
from shared.events.loyalty import PointsEarned, PointsReversed
from shared.events.orders import PurchaseCompleted, PurchaseReturned, PurchaseVoided

log = logging.getLogger(__name__)


async def earn_for_purchase(
    session: AsyncSession, purchase: PurchaseCompleted, event_id: str | None = None
) -> None:
    """Points by the earning rules in force at the sale's time, at the member's tier before
    it (:func:`services.loyalty.rules.service.rate_purchase`), plus what the campaigns
    running then add (:func:`services.loyalty.campaigns.service.add_to`), then promotion.
    The purchase keeps what the rules saw and what each rule and campaign gave.

    A purchase already recorded (delivered again under another event id) earns nothing.
    A member loyalty has not seen gets their account and standing now (and
    ``loyalty.account.opened``). Raises
    :class:`~services.loyalty.accounts.errors.BalanceLimitReached` or
    :class:`~services.loyalty.tiers.errors.QualifyingSpendLimitReached` for a purchase
    that would take a running sum past its cap, ``ValueError`` for a total below 0 (the
    event is then parked).
    """
    if purchase.total_fen < 0:  # orders never sends one; a hand-made event may
        raise ValueError(
            f"purchase {purchase.purchase_id} totals {purchase.total_fen} fen, below 0"
        )
    program = await locked_program(session)
    account = await accounts.locked_account_of(session, purchase.member_id)
    if account is None:  # a repeat naming another member must not open an account for them
        if await repository.purchase(session, purchase.purchase_id) is not None:
            _already_earned(purchase)
            return
        account = await accounts.open_account(session, purchase.member_id, program.base_tier)
    holders = await qualification.locked_holders(
        session, purchase.member_id, account.account_id, program.ladder, own=not account.household
    )
    standing = holders.member
    rated = await rules.rate_purchase(
        session,
        purchase,
        standing.tier_code,
        partial(repository.earned_between, session, purchase.member_id),
    )
    rated = await campaigns.add_to(session, rated, purchase)
    points = rated.points
    requalified = await qualification.after_purchase(
        session, holders, program.ladder, account.account_id, purchase
    )
    terms = await lots.credit_terms(session, purchase=True)
    moved = await accounts.move_points(
        session,
        account,
        Movement(
            Source("purchase", purchase.purchase_id),
            points,
            event_id=event_id,
            expires_at=terms.expires_at,
            pending=terms.pending,
        ),
        along=[
            repository.record_purchase(
                purchase_id=purchase.purchase_id,
                account_id=account.account_id,
                member_id=purchase.member_id,
                total_fen=purchase.total_fen,
                tier_code=standing.tier_code,
                points=points,
                rated=repository.Rated(
                    store_id=purchase.store_id, purchased_at=purchase.purchased_at, **rated.kept()
                ),
            ),
            *requalified.along,
        ],
    )
    if moved is None:
        _already_earned(purchase)
        return
    earned = PointsEarned(
        member_id=purchase.member_id,
        account_id=account.account_id,
        purchase_id=purchase.purchase_id,
        entry_id=moved.entry_id,
        points=points,
        balance=moved.balance,
        campaign_ids=rated.campaigns,
    )
    await emit(session, earned, *requalified.changes)
    credited = accounts.Account(account.account_id, moved.balance)
    await shortfalls.recover(session, credited, purchase.member_id, purchase.purchase_id, points)


def _already_earned(purchase: PurchaseCompleted) -> None:
    log.warning("purchase %s already earned points; ignored", purchase.purchase_id)


async def reverse_for_return(
    session: AsyncSession, returned: PurchaseReturned, event_id: str | None = None
) -> None:
    """Takes back points in proportion to the refund (see :func:`domain.reversal_for` for
    rounding and for points already spent), lowers the qualifying spend and may demote.
    A return of a purchase loyalty has not seen yet raises :class:`PurchaseNotKnown`, so
    the consumer runner retries it until the purchase arrives, and parks it as a dead
    letter only if the purchase never comes. A return reversed before changes nothing."""
    await _reverse(
        session,
        Source("return", returned.return_id),
        returned.purchase_id,
        returned.amount_fen,
        event_id,
    )


async def reverse_for_void(
    session: AsyncSession, voided: PurchaseVoided, event_id: str | None = None
) -> None:
    """Undoes a voided purchase as a full return of all it still counts for would: the
    points it earned back (what was spent already as shortfall), its qualifying spend off,
    a lower tier if that falls below the threshold. The ledger entry's source is
    ``('void', purchase id)``. Raises :class:`PurchaseNotKnown` like a return; a void
    reversed before changes nothing."""
    await _reverse(session, Source("void", voided.purchase_id), voided.purchase_id, None, event_id)


async def _reverse(
    session: AsyncSession,
    source: Source,
    purchase_id: uuid.UUID,
    amount_fen: int | None,
    event_id: str | None,
) -> None:
    """Reverses ``amount_fen`` of the purchase (None: all it still counts for) as
    ``source``: a return, recorded with the purchase it names, or a void."""
    ladder = (await locked_program(session)).ladder
    known = await repository.purchase(session, purchase_id)
    if known is None:
        raise PurchaseNotKnown(
            f"{source.type} {source.id} names purchase {purchase_id}, "
            "which loyalty has not seen yet"
        )
    account = await accounts.locked_account_now(session, known.account_id)
    purchase = await repository.purchase(session, purchase_id)  # fresh, under the lock
    assert purchase is not None
    holders = await qualification.locked_holders(
        session, purchase.member_id, account.account_id, ladder
    )
    reversal = domain.reversal_for(
        points_earned=purchase.points_earned,
        points_reversed=purchase.points_reversed,
        total_fen=purchase.total_fen,
        returned_fen=purchase.returned_fen,
        amount_fen=purchase.total_fen - purchase.returned_fen if amount_fen is None else amount_fen,
        balance=account.balance,
    )
    requalified = await qualification.after_return(
        session, holders, ladder, account.account_id, purchase_id, reversal.returned_fen
    )
    recorded = (
        [repository.record_return(return_id=source.id, purchase_id=purchase_id)]
        if source.type == "return"
        else []
    )
    earned_lot = await accounts.lot_of(session, Source("purchase", purchase_id))
    moved = await accounts.move_points(
        session,
        account,
        Movement(
            source,
            -reversal.points,
            shortfall=reversal.shortfall,
            event_id=event_id,
            spend=False,  # a correction: the purchase's own lot first, pending points next
            first_lot=earned_lot,
        ),
        along=[
            *recorded,
            repository.count_reversal(
                purchase_id=purchase_id,
                points=reversal.charged,
                returned_fen=reversal.returned_fen,
            ),
            campaigns.count_return(purchase_id=purchase_id, returned_fen=reversal.returned_fen),
            *requalified.along,
        ],
    )
    if moved is None:
        log.warning("%s %s was already reversed; ignored", source.type, source.id)
        return
    await campaigns.after_return(session, purchase_id)
    reversed_ = PointsReversed(
        member_id=purchase.member_id,
        account_id=account.account_id,
        purchase_id=purchase_id,
        return_id=source.id if source.type == "return" else None,
        entry_id=moved.entry_id,
        points=reversal.points,
        balance=moved.balance,
    )
    await emit(session, reversed_, *requalified.changes)


async def purchases_returned(
    session: AsyncSession, return_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """The purchase each of these returns took points back from."""
    return await repository.purchases_returned(session, return_ids)


async def breakdowns(
    session: AsyncSession, purchase_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """``[{rule, points}]`` of each of these purchases that loyalty rated with the rules
    engine (those recorded before have none)."""
    return await repository.breakdowns(session, purchase_ids)


async def stored_purchases(
    session: AsyncSession, start: datetime, end: datetime, *, standing_only: bool = True
) -> AsyncIterator[Any]:
    """Purchases made from ``start`` to before ``end`` in the order they were rated, as rows
    (``purchase_id, member_id, total_fen, returned_fen, tier_code, points_earned, store_id,
    made_at, vouchers_fen, lines, rule_version, breakdown``; ``returned_fen``: what its
    returns and void took back), streamed. ``standing_only`` leaves out a sale voided or
    returned in full."""
    query = repository.stored_purchases(start=start, end=end, standing_only=standing_only)
    result = await session.stream(query)
    async for row in result:
        yield row


async def net_points_earned(
    session: AsyncSession, account_id: uuid.UUID, since: Mapping[uuid.UUID, datetime]
) -> dict[uuid.UUID, int]:
    """Points each member's purchases since their time in ``since`` earned on the account,
    net of reversals (members without any: absent)."""
    return await repository.net_points(session, account_id, since)
