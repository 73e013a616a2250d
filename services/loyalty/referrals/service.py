"""Use cases of referrals: keeping them, qualifying them by the friend's first paid
purchase, the reward policy, and the due work that rewards, cancels or refuses. They
flush, never commit: the caller owns the transaction (the due work's runner commits one
referral at a time)."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import cast

from services.loyalty.accounts import service as accounts
from services.loyalty.accounts.errors import AccountNotFound
from services.loyalty.coupon_bands.domain import Band
from services.loyalty.coupons import service as coupons
from services.loyalty.coupons.errors import CouponDefinitionNotFound
from services.loyalty.lots.service import current_policy as points_policy
from services.loyalty.referrals import domain, events, repository
from services.loyalty.referrals.domain import Policy, Reason, ReferralState, Reward, Settled
from services.loyalty.referrals.models import Referral
from services.loyalty.referrals.schemas import (
    ReferralList,
    ReferralOut,
    ReferralPolicyIn,
    ReferralPolicyOut,
)
from shared.db import AsyncSession, Sessions, transaction
from shared.events.customer import MemberReferred
from shared.events.orders import PurchaseCompleted, PurchaseReturned, PurchaseVoided
from shared.inputs import input_defaults
from shared.pagination import PageKey, as_key, encode_cursor, keyset_page

log = logging.getLogger(__name__)

DUE_BATCH = 100
_PENDING = "loyalty.referrals.pending"


async def record_referral(session: AsyncSession, referred: MemberReferred) -> bool:
    """Keeps customer's ``customer.member.referred`` as a ``pending`` referral; whether it
    was new (a friend's second delivery, under another event id, changes nothing)."""
    referral = Referral(
        friend_member_id=referred.member_id,
        referrer_member_id=referred.referrer_id,
        state=domain.PENDING,
        referred_at=referred.referred_at,
    )
    added = await repository.add(session, referral.model_dump())
    pending = _noted_pending(session)
    if added and pending is not None:
        pending.add(referred.member_id)
    return added


async def note_pending(session: AsyncSession, buyers: list[uuid.UUID]) -> None:
    """Reads once which of a consumer batch's ``buyers`` have a pending referral, so that
    :func:`qualify_for_purchase` sends its update for those only: one statement a batch
    instead of one a purchase. For one buyer it reads nothing (the update is as cheap)."""
    if len(buyers) < 2:
        return
    pending = await repository.pending_among(session, buyers)
    session.info[_PENDING] = (session.sync_session.get_transaction(), pending)


def _noted_pending(session: AsyncSession) -> set[uuid.UUID] | None:
    """What :func:`note_pending` read in this transaction (and referrals kept since), or
    None if it read nothing."""
    held = session.info.get(_PENDING)
    if held is None or held[0] is not session.sync_session.get_transaction():
        return None
    pending: set[uuid.UUID] = held[1]
    return pending


async def qualify_for_purchase(session: AsyncSession, purchase: PurchaseCompleted) -> None:
    """The friend's first paid purchase after registering qualifies their pending referral,
    due at the purchase's time plus the points policy's return window, publishing
    ``loyalty.referral.qualified``; any other purchase changes nothing."""
    if purchase.total_fen <= 0:
        return
    pending = _noted_pending(session)
    if pending is not None and purchase.member_id not in pending:
        return
    window = (await points_policy(session)).return_window_days
    referral = await repository.qualify(
        session,
        purchase.member_id,
        purchase_id=purchase.purchase_id,
        spend_fen=purchase.total_fen,
        purchased_at=purchase.purchased_at,
        due_at=domain.due_at(purchase.purchased_at, window),
    )
    if referral is not None:
        if pending is not None:
            pending.discard(purchase.member_id)
        await events.qualified(session, referral)


async def reduce_for_return(session: AsyncSession, returned: PurchaseReturned) -> None:
    """A return of a qualified referral's purchase inside its window reduces its spend by
    the refund (fen); after the window, or once settled, it changes nothing."""
    await repository.add_returned(
        session, returned.purchase_id, returned.amount_fen, returned.returned_at
    )


async def reduce_for_void(session: AsyncSession, voided: PurchaseVoided) -> None:
    """A void of a qualified referral's purchase takes its whole spend (it counts as no
    sale); the due work then cancels the referral (``returned``)."""
    await repository.add_returned(session, voided.purchase_id, voided.total_fen, voided.voided_at)


async def referrals_of(
    session: AsyncSession, member_id: uuid.UUID, limit: int, before: PageKey | None
) -> ReferralList:
    """The friends ``member_id`` referred, the latest first, ``limit`` at a time after the
    page that ended at ``before``, masked, with each referral's state and reward. A member
    loyalty has never heard of has none (an empty list, not a 404)."""
    rows, next_cursor = keyset_page(
        await repository.of_referrer(session, member_id, limit + 1, as_key(before)),
        limit,
        lambda row: encode_cursor(row.referred_at, row.id),
    )
    return ReferralList(
        items=[
            ReferralOut(
                id=row.id,
                friend=domain.masked_friend(row.friend_member_id),
                state=cast(ReferralState, row.state),
                reason=cast(Reason | None, row.reason),
                referred_at=row.referred_at,
                spend_fen=None if row.purchase_id is None else row.spend_fen,
                returned_fen=row.returned_fen,
                due_at=row.due_at,
                reward_fen=row.reward_fen,
                coupon_id=row.coupon_id,
                settled_at=row.settled_at,
            )
            for row in rows
        ],
        next_cursor=next_cursor,
    )


async def current_policy(session: AsyncSession) -> Policy:
    """The brand's referral reward policy (:data:`domain.NO_POLICY` until marketing sets
    one)."""
    row = await repository.policy(session)
    if row is None:
        return domain.NO_POLICY
    bands = [Band(b["min_spend_fen"], uuid.UUID(b["definition_id"])) for b in row.bands]
    return Policy(domain.lowest_first(bands), row.monthly_cap, row.version)


async def get_policy(session: AsyncSession) -> ReferralPolicyOut:
    row = await repository.policy(session)
    policy = await current_policy(session)
    return ReferralPolicyOut.model_validate(
        {
            "bands": [vars(band) for band in policy.bands],
            "monthly_cap": policy.monthly_cap,
            "version": policy.version,
            "updated_at": None if row is None else row.updated_at,
            "updated_by": None if row is None else row.updated_by,
        }
    )


async def set_policy(
    session: AsyncSession, body: ReferralPolicyIn, *, by: str
) -> ReferralPolicyOut:
    """Sets the bands and the cap for rewards decided from now on (a qualified referral is
    priced by the policy of its due work's run). Raises :class:`CouponDefinitionNotFound`
    (404, field ``bands.<i>.definition_id``) for a band naming no definition."""
    for at, band in enumerate(body.bands):
        try:
            await coupons.get_definition(session, band.definition_id)
        except CouponDefinitionNotFound as missing:
            raise CouponDefinitionNotFound(
                missing.detail, field=f"bands.{at}.definition_id"
            ) from None
    bands = domain.lowest_first([Band(b.min_spend_fen, b.definition_id) for b in body.bands])
    values = {
        "bands": [
            {"min_spend_fen": b.min_spend_fen, "definition_id": str(b.definition_id)} for b in bands
        ],
        "monthly_cap": body.monthly_cap,
        "updated_at": datetime.now(UTC),
        "updated_by": by,
    }
    await repository.set_policy(session, values)
    return await get_policy(session)


async def settle_due(sessions: Sessions, now: datetime) -> int:
    """The due work: up to :data:`DUE_BATCH` qualified referrals due by ``now``, each in a
    transaction of its own (see :func:`settle`); how many it looked at. Idempotent: a
    referral settled is not due any more, and a rerun's grant finds its coupon."""
    async with sessions() as session:
        due = await repository.due(session, now, DUE_BATCH)
    for referral_id in due:
        async with transaction(sessions) as session:
            await settle(session, referral_id, now)
    return len(due)


async def settle(session: AsyncSession, referral_id: uuid.UUID, now: datetime) -> None:
    """Decides a qualified referral due by ``now``, under its row lock: refused
    (``same_household``) if referrer and friend hold one account; cancelled under the
    lowest band of the net spend; refused (``monthly_cap``) when the referrer's month of
    the brand already has the cap's rewards (counted under that month's row lock); else
    the band's coupon through ``coupons.try_grant`` with the grant key
    ``referral:<id>``. A refused grant (stock, budget, limit) or a policy without bands
    leaves it qualified and looks again after :data:`domain.RETRY`."""
    referral = await repository.locked(session, referral_id)
    if referral is None or referral.state != domain.QUALIFIED or referral.attempt_at is None:
        return
    if referral.attempt_at > now:
        return
    policy = await current_policy(session)
    same = await _same_account(session, referral)
    decision = domain.decide(policy, referral.spend_fen, referral.returned_fen, same_account=same)
    if decision is None:
        await _retry(session, referral, now, "no reward bands are set")
    elif isinstance(decision, Settled):
        await _settle_without(session, referral, decision, now)
    else:
        await _reward(session, referral, policy, decision, now)


async def _reward(
    session: AsyncSession, referral: Referral, policy: Policy, reward: Reward, now: datetime
) -> None:
    month = domain.month_of(now, input_defaults().business_timezone)
    rewarded = await repository.locked_month(session, referral.referrer_member_id, month)
    if policy.monthly_cap is not None and rewarded >= policy.monthly_cap:
        await _settle_without(session, referral, Settled("refused", "monthly_cap"), now)
        return
    key = f"referral:{referral.id}"
    band = reward.band
    granted = await coupons.try_grant(
        session, band.definition_id, referral.referrer_member_id, key, now, occasion="referral"
    )
    if isinstance(granted, str):
        await _retry(session, referral, now, granted)
        return
    definition = await coupons.get_definition(session, band.definition_id)
    await repository.count_reward(session, referral.referrer_member_id, month)
    values = {
        "state": "rewarded",
        "coupon_id": granted.id,
        "definition_id": band.definition_id,
        "reward_fen": definition.face_value_fen,
        "policy_version": policy.version,
        "settled_at": now,
    }
    await repository.set_fields(session, referral.id, values)
    await events.rewarded(session, referral.model_copy(update=values), now)


async def _settle_without(
    session: AsyncSession, referral: Referral, outcome: Settled, now: datetime
) -> None:
    values = {"state": outcome.state, "reason": outcome.reason, "settled_at": now}
    await repository.set_fields(session, referral.id, values)
    await events.settled_without(session, referral, outcome, now)


async def _retry(session: AsyncSession, referral: Referral, now: datetime, why: str) -> None:
    log.info("referral %s stays qualified (%s); retried later", referral.id, why)
    await repository.set_fields(session, referral.id, {"attempt_at": now + domain.RETRY})


async def _same_account(session: AsyncSession, referral: Referral) -> bool:
    """Whether referrer and friend hold one account now (one household's)."""
    try:
        referrer = await accounts.account_of(session, referral.referrer_member_id)
        friend = await accounts.account_of(session, referral.friend_member_id)
    except AccountNotFound:
        return False
    return referrer.account_id == friend.account_id
