"""Use cases of the facts: folding each event into the read models.

They flush, never commit: the consumer runner or the request owns the transaction.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime

from services.analytics.facts import domain, repository
from services.analytics.facts.errors import PurchaseNotKnown
from services.analytics.facts.reversals import repository as reversals
from shared.db import AsyncSession
from shared.events.customer import MemberRegistered, MemberUpdated, TicketSurveyed
from shared.events.loyalty import AccountOpened, TierChanged
from shared.events.messaging import Channel
from shared.events.orders import PurchaseCompleted, PurchaseReturned, PurchaseVoided


async def record_registration(session: AsyncSession, registered: MemberRegistered) -> None:
    await repository.record_registration(
        session, registered.member_id, registered.registered_at, registered.store_id
    )


async def record_tags(session: AsyncSession, updated: MemberUpdated) -> None:
    """The member's brand classification tags, when ``tags`` changed (other profile
    changes carry nothing analytics keeps)."""
    if "tags" in updated.changed:
        await repository.change_tags(
            session, updated.member_id, updated.tags_added, updated.tags_removed
        )


async def record_purchases(session: AsyncSession, purchases: Sequence[PurchaseCompleted]) -> None:
    """Adds each purchase's fact and counts it for its member, once per purchase id, all in
    one statement.

    Raises :class:`AmountOutOfRange` or :class:`RunningTotalFull` (the caller's transaction
    then rolls back, the fact rows with it).
    """
    for purchase in purchases:
        domain.check_amount(purchase.total_fen, f"purchase {purchase.purchase_id}'s total")
    facts = [
        repository.PurchaseFact(p.purchase_id, p.member_id, p.store_id, p.total_fen, p.purchased_at)
        for p in purchases
    ]
    for totals in await repository.record_purchases(session, facts):
        domain.check_member_totals(totals.member_id, totals.spend_fen, totals.purchase_count)


async def record_return(session: AsyncSession, returned: PurchaseReturned) -> None:
    """Subtracts the return from its purchase and member, once per return id; refunds stop
    at the purchase's total; a return of a voided purchase changes nothing (it is kept as
    claimed). Raises :class:`PurchaseNotKnown` (wait for the purchase) or
    :class:`AmountOutOfRange`."""
    domain.check_amount(returned.amount_fen, f"return {returned.return_id}'s amount")
    purchase = await reversals.claim_return(
        session,
        return_id=returned.return_id,
        purchase_id=returned.purchase_id,
        amount_fen=returned.amount_fen,
        returned_at=returned.returned_at,
    )
    if purchase is None:
        raise PurchaseNotKnown(
            f"return {returned.return_id} names purchase {returned.purchase_id}, "
            "which analytics has not recorded"
        )
    if not purchase.fresh or purchase.voided_at is not None:
        # a return delivered after its sale's void: the sale counts as none already, and
        # the void took off what was returned of it by then
        return
    effect = domain.apply_return(purchase.total_fen, purchase.returned_fen, returned.amount_fen)
    await reversals.apply_return(
        session,
        purchase_id=returned.purchase_id,
        member_id=purchase.member_id,
        returned_fen=effect.returned_fen,
        fully_returned=effect.fully_returned,
        refunded_fen=effect.refunded_fen,
        purchase_count_delta=effect.purchase_count_delta,
    )


async def record_void(session: AsyncSession, voided: PurchaseVoided) -> None:
    """Counts the voided purchase as no sale, once: off the member's spend, refunds and
    purchase count, and out of the KPIs. Raises :class:`PurchaseNotKnown` (wait for the
    purchase)."""
    purchase = await reversals.lock_purchase(session, voided.purchase_id)
    if purchase is None:
        raise PurchaseNotKnown(
            f"void of purchase {voided.purchase_id} names a purchase analytics has not recorded"
        )
    if purchase.voided_at is not None:
        return
    effect = domain.void_effect(purchase.total_fen, purchase.returned_fen, purchase.fully_returned)
    await reversals.apply_void(
        session,
        purchase_id=voided.purchase_id,
        member_id=purchase.member_id,
        voided_at=voided.voided_at,
        spend_fen=effect.spend_fen,
        returned_fen=effect.returned_fen,
        purchase_count_delta=effect.purchase_count_delta,
    )


async def record_tier_change(session: AsyncSession, changed: TierChanged, at: datetime) -> None:
    """Takes loyalty's new tier unless analytics holds a later change (``at``: the event's
    time, aware), and adds it to the member's tier history."""
    await repository.record_tier(session, changed.member_id, changed.to_tier, at)
    await _fold_tier(
        session, changed.member_id, lambda held: domain.tier_after_change(held, changed.to_tier, at)
    )


async def record_account_opening(session: AsyncSession, opened: AccountOpened) -> None:
    """Takes the tier the account was opened on (or, announced by loyalty's upgrade, its
    current tier) if analytics holds no tier for the member; the tier history gets it from
    ``opened_at`` (for an account announced by the upgrade, its current tier from its
    opening: the changes between are not in any event analytics received)."""
    await repository.record_tier(session, opened.member_id, opened.tier_code, opened.opened_at)
    await _fold_tier(
        session, opened.member_id, lambda held: domain.tier_after_opening(held, opened.tier_code)
    )


async def _fold_tier(
    session: AsyncSession, member_id: uuid.UUID, rule: Callable[[domain.Tier], domain.Tier | None]
) -> None:
    """Applies ``rule`` to the member's tier, their row locked (and created if missing)."""
    held = await repository.hold_tier(session, member_id)
    tier = rule(held)
    if tier is not None:
        await repository.set_tier(session, member_id, tier)


async def record_notifications(
    session: AsyncSession,
    outcomes: Iterable[tuple[datetime, Channel, str]],
    *,
    timezone: str,
) -> None:
    """Counts notification outcomes, each ``(at, channel, status)``, per channel, status and
    business day in ``timezone`` (the brand's), in one statement however many."""
    counts = Counter[tuple[date, str, str]](
        (domain.business_day(at, timezone), channel, status) for at, channel, status in outcomes
    )
    await repository.count_notifications(session, counts)


async def record_survey(session: AsyncSession, surveyed: TicketSurveyed) -> None:
    """Keeps a member's survey answer (score 1 to 5) for seed 003's satisfaction; an
    anonymous caller's answer names no member and is not kept."""
    if surveyed.member_id is None:
        return
    await repository.record_survey(
        session,
        ticket_id=surveyed.ticket_id,
        member_id=surveyed.member_id,
        score=surveyed.score,
        answered_at=surveyed.answered_at,
    )
