"""What loyalty consumes: registrations open accounts, purchases earn (and confirm the
till reservation they paid with and redeem the coupon they used), returns and voids
reverse (and credit the points tender's share back, and give a coupon back as its
definition says), products say their category, households pool their members' points,
referrals are kept and qualified by the
friend's first paid purchase (whose returns reduce the spend its reward is priced on),
analytics' saved segments keep loyalty's copy of their members (audiences by segment).

A batch is one transaction: before its handlers run, :func:`lock_accounts` takes every
account they will lock in the points kernel's lock order, so that the batch never holds one
member's household account while it waits for another member's own account (a till request
for that member holds their own and waits for the household: a deadlock). Then the tier
standings of its buyers in no household, in member order, the order the tier review takes
them in (handlers would otherwise lock them in event order; a household's purchase still
locks its holders' standings together, as before)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from services.loyalty.accounts import service as accounts
from services.loyalty.base import emit, product_categories, segment_copies
from services.loyalty.campaigns import service as campaigns
from services.loyalty.config import Settings
from services.loyalty.coupons.birthdays import service as birthdays
from services.loyalty.households import service as households
from services.loyalty.lottery import sales as lottery
from services.loyalty.points import service as points
from services.loyalty.privacy import service as privacy
from services.loyalty.program.service import locked_program
from services.loyalty.referrals import service as referrals
from services.loyalty.reservations import sales as till_sales
from services.loyalty.rules import categories as rule_categories
from services.loyalty.tiers import service as tiers
from services.loyalty.till_coupons import sales as till_coupons
from shared.contacts import member_contacts
from shared.db import AsyncSession
from shared.events import CloudEvent
from shared.events.customer import (
    HouseholdCreated,
    HouseholdJoined,
    HouseholdLeft,
    MemberErased,
    MemberReferred,
    MemberRegistered,
    MemberUpdated,
)
from shared.events.orders import (
    ProductChanged,
    PurchaseCompleted,
    PurchaseReturned,
    PurchaseVoided,
)
from shared.events.segments import SegmentChanged, SegmentDeleted
from shared.inbox import BatchEnd, Handler, HandlerContext

Context = HandlerContext[Settings]


async def on_member_registered(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Every member starts on the base tier: the account they hold (announced with that
    tier), then their standing; a member a purchase brought already keeps both. Account
    before standing, as every point change takes them, so two events never wait on each
    other's locks. The birthday's month and day, read from customer, are kept for
    birthday coupons."""
    member_id = event.payload(MemberRegistered).member_id
    program = await locked_program(session)
    await accounts.open_account(session, member_id, program.base_tier)
    await tiers.locked_standing(session, member_id, program.ladder, new=True)
    await birthdays.record_birthday(session, member_id, member_contacts(ctx.settings, "loyalty"))


async def on_member_updated(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Of a profile edit loyalty keeps only the birthday (for birthday coupons), read from
    customer when it changed."""
    updated = event.payload(MemberUpdated)
    await birthdays.apply_update(session, updated, member_contacts(ctx.settings, "loyalty"))


async def on_member_erased(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    """Of an erased member loyalty forgets what is personal; the accounts stay."""
    await privacy.erase(session, event.payload(MemberErased))


async def on_member_referred(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await referrals.record_referral(session, event.payload(MemberReferred))


async def on_purchase_completed(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    """The referral first: its row lock before any coupon definition's, as the referral
    rewards' due work takes them."""
    purchase = event.payload(PurchaseCompleted)
    await referrals.qualify_for_purchase(session, purchase)
    await points.earn_for_purchase(session, purchase, event.id)
    await till_sales.confirm_for_purchase(session, purchase, event.id)
    await till_coupons.redeem_for_purchase(session, purchase)
    await lottery.earn_for_purchase(session, purchase)


async def on_purchase_returned(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    """The referral's spend first (its row lock before any coupon definition's), earned
    points back, then the points tender's share credited."""
    returned = event.payload(PurchaseReturned)
    await referrals.reduce_for_return(session, returned)
    await points.reverse_for_return(session, returned, event.id)
    await till_sales.refund_for_return(session, returned, event.id)
    await till_coupons.restore_for_return(session, returned)
    await lottery.take_back_for_return(session, returned)


async def on_purchase_voided(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    voided = event.payload(PurchaseVoided)
    await referrals.reduce_for_void(session, voided)
    await points.reverse_for_void(session, voided, event.id)
    await till_sales.refund_for_void(session, voided, event.id)
    await till_coupons.restore_for_void(session, voided)
    await lottery.take_back_for_void(session, voided)


async def on_product_changed(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    """Which category each SKU is in, for rules by category (issue 12); the batch's later
    sales read the ancestors under the token its own write gave them."""
    await product_categories.apply(session, event.payload(ProductChanged))
    rule_categories.categories_changed(session)


async def on_segment_changed(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    """Keeps loyalty's copy of analytics' saved segment (audiences by segment)."""
    await segment_copies.apply(session, event.payload(SegmentChanged))


async def on_segment_deleted(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await segment_copies.drop(session, event.payload(SegmentDeleted))


async def on_household_created(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await households.apply_change(session, event.payload(HouseholdCreated), event.id)


async def on_household_joined(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await households.apply_change(session, event.payload(HouseholdJoined), event.id)


async def on_household_left(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    await households.apply_change(session, event.payload(HouseholdLeft), event.id)


async def start_batch(session: AsyncSession, events: Sequence[CloudEvent]) -> BatchEnd | None:
    """Before a batch's handlers: its accounts locked (:func:`lock_accounts`), then its
    buyers' standings, those in no household's (member order, after every account, as a
    point change takes account then standing; the rows read then answer each member's first
    lock of either), then which of its buyers have a pending referral, the ancestors of its
    sales' categories (kept across batches: read only for those not kept yet) and which of
    its sales a campaign reached already (delivered again), each read once; what the
    handlers emit goes to the outbox at the batch's end, in one insert. A batch with a
    product change takes the categories' token row before all of these
    (:func:`~services.loyalty.rules.categories.lock_for_products`)."""
    if len(events) > 1 and any(e.type == ProductChanged.event_type for e in events):
        await rule_categories.lock_for_products(session)
    alone = await lock_accounts(session, events)
    sales = [e for e in events if e.type == PurchaseCompleted.event_type]
    buyers = {uuid.UUID(e.data["member_id"]) for e in sales}
    await tiers.lock_standings(session, buyers & alone)
    await referrals.note_pending(session, [uuid.UUID(e.data["member_id"]) for e in sales])
    if len(sales) > 1:
        categories = {line["category"] for e in sales for line in e.data["lines"]}
        await rule_categories.read_categories(session, categories)
        await campaigns.look_up_sales(session, [uuid.UUID(e.data["purchase_id"]) for e in sales])
    return emit.gather(session) if len(events) > 1 else None


async def lock_accounts(session: AsyncSession, events: Sequence[CloudEvent]) -> set[uuid.UUID]:
    """Locks the accounts of the members the batch's ``events`` name, in the kernel's order
    (:func:`services.loyalty.accounts.service.lock_accounts`), after the program, as every
    handler takes them: one or two statements per batch; none for a batch with at most one
    such event (a single event locks in that order by itself). Returns those members whose
    own account it locked and who are in no household."""
    named = [uuid.UUID(e.data["member_id"]) for e in events if e.type in _MEMBERS_ACCOUNTS]
    if len(named) < 2:
        return set()
    await locked_program(session)
    return await accounts.lock_accounts(session, member_ids=named)


HANDLERS: dict[str, Handler[Context]] = {
    MemberRegistered.event_type: on_member_registered,
    MemberUpdated.event_type: on_member_updated,
    MemberReferred.event_type: on_member_referred,
    MemberErased.event_type: on_member_erased,
    PurchaseCompleted.event_type: on_purchase_completed,
    PurchaseReturned.event_type: on_purchase_returned,
    PurchaseVoided.event_type: on_purchase_voided,
    ProductChanged.event_type: on_product_changed,
    HouseholdCreated.event_type: on_household_created,
    HouseholdJoined.event_type: on_household_joined,
    HouseholdLeft.event_type: on_household_left,
    SegmentChanged.event_type: on_segment_changed,
    SegmentDeleted.event_type: on_segment_deleted,
}

_MEMBERS_ACCOUNTS = frozenset(HANDLERS) - {
    ProductChanged.event_type,
    MemberReferred.event_type,
    MemberErased.event_type,
    SegmentChanged.event_type,
    SegmentDeleted.event_type,
}
"""The events whose handlers lock the account of the member the event names in
``member_id`` (all but a product's change, a referral, which is kept without touching an
account, an erasure, which touches no account either, and a segment's, which names no
one member)."""
