"""Points moved by purchases and returns, and the account every member starts with."""

from __future__ import annotations

import logging
import uuid

from services.loyalty import domain, repository
from services.loyalty.models import LedgerEntry, emit
from services.loyalty.service.common import locked_account, locked_program, tier_changed
from shared.db import AsyncSession
from shared.events import EventPayload
from shared.events.customer import MemberRegistered
from shared.events.loyalty import PointsEarned, PointsReversed
from shared.events.orders import PurchaseCompleted, PurchaseReturned
from shared.inbox import AwaitingEvent

log = logging.getLogger(__name__)


async def open_account(session: AsyncSession, registered: MemberRegistered) -> None:
    """Every member starts at the base tier; an account a purchase already opened stays."""
    program = await locked_program(session)
    await repository.open_account(
        session, registered.member_id, domain.tier_for_spend(program.ladder, 0).code
    )


async def earn_for_purchase(
    session: AsyncSession, purchase: PurchaseCompleted, event_id: str | None = None
) -> None:
    """Points at the rate of the member's tier before this purchase, then promotion.

    A purchase already recorded (delivered again under another event id) earns nothing.
    """
    program = await locked_program(session)
    account = await repository.lock_account(session, purchase.member_id)
    if account is None:  # a repeat naming another member must not open an account for them
        if await repository.purchase(session, purchase.purchase_id) is not None:
            _already_earned(purchase)
            return
        account = await repository.open_locked_account(
            session, purchase.member_id, domain.tier_for_spend(program.ladder, 0).code
        )
    multiplier = domain.multiplier_of(program.multipliers_percent, account.tier_code)
    points = domain.points_for(purchase.total_fen, program.points_per_yuan, multiplier)
    balance = account.balance + points
    spend = account.qualifying_spend_fen + purchase.total_fen
    promoted = domain.promotion(program.ladder, account.tier_code, spend)
    entry_id = uuid.uuid4()
    recorded = await repository.record_earn(
        session,
        purchase_id=purchase.purchase_id,
        member_id=account.member_id,
        total_fen=purchase.total_fen,
        tier_before=account.tier_code,
        points=points,
        entry_id=entry_id,
        event_id=event_id,
        balance=balance,
        spend=spend,
        tier_after=promoted.code if promoted else account.tier_code,
    )
    if not recorded:
        _already_earned(purchase)
        return
    payloads: list[EventPayload] = [
        PointsEarned(
            member_id=account.member_id,
            purchase_id=purchase.purchase_id,
            entry_id=entry_id,
            points=points,
            balance=balance,
        )
    ]
    if promoted:
        payloads.append(tier_changed(account.member_id, account.tier_code, promoted, "up", spend))
    await emit(session, *payloads)


def _already_earned(purchase: PurchaseCompleted) -> None:
    log.warning("purchase %s already earned points; ignored", purchase.purchase_id)


class PurchaseNotKnown(AwaitingEvent):
    """The return arrived before its purchase.

    One topic keeps a member's events in order, but a broker that lost its log breaks
    that: an event published right after the restart reaches consumers before the older
    ones the relay republishes once it notices. Skipping the return would lose its
    reversal for good; raising lets the runner wait for the purchase (see ``AwaitingEvent``).
    """


async def reverse_for_return(
    session: AsyncSession, returned: PurchaseReturned, event_id: str | None = None
) -> None:
    """Takes back points in proportion to the refund (see :func:`domain.reversal_for` for
    rounding and for points already spent), lowers the qualifying spend and may demote.

    A return of a purchase loyalty has not seen yet raises :class:`PurchaseNotKnown`, so
    the consumer runner retries it until the purchase arrives, and parks it as a dead
    letter only if the purchase never comes."""
    ladder = (await locked_program(session)).ladder
    known = await repository.purchase(session, returned.purchase_id)
    if known is None:
        raise PurchaseNotKnown(
            f"return {returned.return_id} names purchase {returned.purchase_id}, "
            "which loyalty has not seen yet"
        )
    account = await locked_account(session, known.member_id, ladder)
    if await repository.reversal_of(session, returned.return_id) is not None:
        log.warning("return %s was already reversed; ignored", returned.return_id)
        return
    purchase = await repository.purchase(session, returned.purchase_id)  # fresh, under the lock
    assert purchase is not None
    reversal = domain.reversal_for(
        points_earned=purchase.points_earned,
        points_reversed=purchase.points_reversed,
        total_fen=purchase.total_fen,
        returned_fen=purchase.returned_fen,
        amount_fen=returned.amount_fen,
        balance=account.balance,
    )
    balance = account.balance - reversal.points
    spend = account.qualifying_spend_fen - reversal.returned_fen
    demoted = domain.demotion(ladder, account.tier_code, spend)
    entry = LedgerEntry(
        member_id=account.member_id,
        kind="reverse",
        points=-reversal.points,
        balance_after=balance,
        shortfall=reversal.shortfall,
        purchase_id=purchase.purchase_id,
        return_id=returned.return_id,
        event_id=event_id,
    )
    await repository.append_entry(session, entry)
    await repository.record_reversal(
        session, purchase.purchase_id, reversal.charged, reversal.returned_fen
    )
    await repository.save_account(
        session,
        account.member_id,
        balance=balance,
        qualifying_spend_fen=spend,
        tier_code=demoted.code if demoted else account.tier_code,
    )
    payloads: list[EventPayload] = [
        PointsReversed(
            member_id=account.member_id,
            purchase_id=purchase.purchase_id,
            return_id=returned.return_id,
            entry_id=entry.id,
            points=reversal.points,
            balance=balance,
        )
    ]
    if demoted:
        payloads.append(tier_changed(account.member_id, account.tier_code, demoted, "down", spend))
    await emit(session, *payloads)
