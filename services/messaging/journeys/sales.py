"""Use cases of journeys that follow sales: members' purchases (``orders.purchase.
completed``) schedule their welcome and move their win-back, and a void (``orders.purchase.
voided``) moves both back to the purchases that remain, as though the voided sale had never
been made. Each purchase is kept (``journey_purchases``: id, member, time, voided) so that a
void finds what came before it, and so that a purchase consumed after its void (late, or
delivered again) finds it voided and schedules nothing. They flush, never commit (the
consumer owns the transaction)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo

from services.messaging.contacts import service as contacts
from services.messaging.journeys import domain, repository
from services.messaging.journeys.domain import JourneySettings
from services.messaging.journeys.models import JourneyRun
from services.messaging.journeys.purchases import repository as purchase_rows
from services.messaging.journeys.service import current, zone_named
from shared.db import AsyncSession
from shared.events.orders import PurchaseCompleted, PurchaseVoided

WELCOME = "first_purchase_welcome"


async def follow_purchases(session: AsyncSession, purchases: Sequence[PurchaseCompleted]) -> None:
    """Members' purchases (``orders.purchase.completed``), in the order consumed: each is
    kept, and the first one messaging sees of a member schedules their welcome (seed 004:
    7–15 days after it; a later one adds none), and every one moves their win-back to
    ``win_back_days`` after it (occurrence: the purchase id), replacing the one pending,
    never one run already, nor a later one (a purchase consumed late). A purchase kept
    already (voided by a void consumed first, or delivered again) changes nothing. Without
    a contact yet, the brand's timezone is taken. A run of purchases costs five statements
    however many there are (keeping them, their members' contacts, the welcomes, the
    win-backs dropped, the win-backs added), and ends as one by one would: each member's
    latest win-back is the one kept."""
    fresh = await purchase_rows.record(
        session, [(p.purchase_id, p.member_id, p.purchased_at) for p in purchases]
    )
    followed = [p for p in purchases if p.purchase_id in fresh]
    if not followed:
        return
    settings = await current(session)
    calendars = await contacts.calendars_of(session, {p.member_id for p in followed})
    welcomes: dict[uuid.UUID, repository.RunOf] = {}
    win_backs: dict[uuid.UUID, repository.RunOf] = {}
    for purchase in followed:
        member = purchase.member_id
        calendar = calendars.get(member)
        zone = zone_named(calendar.time_zone if calendar else None)
        if member not in welcomes:
            window = domain.welcome_window(purchase.purchased_at, zone, settings)
            welcomes[member] = (member, domain.WELCOME_OCCURRENCE, window, purchase.purchase_id)
        window = domain.win_back_window(purchase.purchased_at, zone, settings)
        kept = win_backs.get(member)
        if kept is None or window.due_at > kept[2].due_at:
            win_backs[member] = (member, str(purchase.purchase_id), window, purchase.purchase_id)
    await repository.add_many(session, WELCOME, list(welcomes.values()))
    await repository.drop_pending_before(
        session, "win_back", {run[0]: run[2].due_at for run in win_backs.values()}
    )
    await repository.add_many(session, "win_back", list(win_backs.values()), after_all=True)


async def forget_old(session: AsyncSession, now: datetime, limit: int) -> int:
    """Forgets up to ``limit`` purchases journeys no longer need: those made more than
    :data:`domain.KEPT_PURCHASE_DAYS` before ``now`` that a later purchase not voided, also
    that old, follows. A void comes on its sale's business day, so no void finds them
    missing; were one consumed that late, :func:`follow_void` leaves the win-back alone
    when no purchase before the voided one is kept, and a sale delivered again finds the
    later purchase's win-back (due later) standing. How many."""
    cutoff = now - timedelta(days=domain.KEPT_PURCHASE_DAYS)
    return await purchase_rows.forget_before(session, cutoff, limit)


async def follow_void(session: AsyncSession, voided: PurchaseVoided) -> None:
    """A sale voided (``orders.purchase.voided``) counts as no purchase, once per purchase
    id (a void consumed again changes nothing; one consumed before its purchase keeps the
    purchase voided, and the purchase then schedules nothing; one of an erased member
    keeps nothing). The member's journeys move to their remaining purchases:

    - a welcome not yet sent that follows the voided purchase (its ``purchase_id``) moves
      to their earliest remaining purchase, or, with none, is deleted (a later purchase
      schedules it afresh); a welcome sent, expired or skipped stays as it is. A welcome
      scheduled before runs named their purchase follows the voided one only when that
      was the member's earliest purchase kept and its window is the one the voided
      purchase gives; otherwise it is left alone (an earlier purchase, consumed before
      journeys kept purchases, may be the one it follows);
    - a win-back not yet sent that follows the voided purchase is deleted and their latest
      remaining purchase's win-back takes its place, unless that one ran already or a run
      due as late or later exists (as :func:`follow_purchases`); none remaining, none.
      A void consumed more than :data:`domain.KEPT_PURCHASE_DAYS` after its sale, with
      no purchase kept before it, leaves the win-back alone: the daily job may have
      forgotten the purchase it would go back to.

    Purchases consumed before journeys kept them are not known here: a member whose only
    known purchase is voided counts as having none."""
    member = voided.member_id
    if not await purchase_rows.void(
        session, voided.purchase_id, member, voided.purchased_at, voided.voided_at
    ):
        return
    settings = await current(session)
    calendar = await contacts.calendar_of(session, member)
    zone = zone_named(calendar.time_zone if calendar else None)
    left = await purchase_rows.remaining(session, member)
    welcome = await repository.pending(session, WELCOME, member, domain.WELCOME_OCCURRENCE)
    if welcome is not None and _follows(welcome, voided, left, zone, settings):
        if left is None:
            await repository.drop_pending(
                session, WELCOME, member, due_before=None, occurrence=domain.WELCOME_OCCURRENCE
            )
        else:
            first, _ = left
            window = domain.welcome_window(first.purchased_at, zone, settings)
            await repository.reschedule(session, welcome.id, window, first.purchase_id)
    before = left is not None and left[0].purchased_at < voided.purchased_at
    horizon = datetime.now(UTC) - timedelta(days=domain.KEPT_PURCHASE_DAYS)
    if voided.purchased_at < horizon and not before:
        return
    dropped = await repository.drop_pending(
        session, "win_back", member, due_before=None, occurrence=str(voided.purchase_id)
    )
    if dropped and left is not None:
        _, last = left
        window = domain.win_back_window(last.purchased_at, zone, settings)
        await repository.add_after_all(
            session, "win_back", member, str(last.purchase_id), window, last.purchase_id
        )


def _follows(
    welcome: JourneyRun,
    voided: PurchaseVoided,
    left: tuple[purchase_rows.Kept, purchase_rows.Kept] | None,
    zone: tzinfo,
    settings: JourneySettings,
) -> bool:
    """Whether the pending ``welcome`` follows the purchase ``voided`` (``left``: the
    member's earliest and latest purchases not voided, after the void): by the purchase it
    names; one naming none (scheduled before runs named it) when the voided purchase was
    the earliest kept and gives the welcome's window, else not (unsure: left alone)."""
    if welcome.purchase_id is not None:
        return welcome.purchase_id == voided.purchase_id
    earliest = left is None or (left[0].purchased_at, left[0].purchase_id) > (
        voided.purchased_at,
        voided.purchase_id,
    )
    window = domain.welcome_window(voided.purchased_at, zone, settings)
    return earliest and welcome.due_at == window.due_at
