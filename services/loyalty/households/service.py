"""Household accounts: one account pools the points of a household's members.

Customer owns who is in a household; loyalty follows its events. A household's opening
opens an account no one owns, and each member who joins becomes its holder: their own
account is pooled into it and its points move there (a transfer, two ledger entries).
From then on their earnings, reversals and redemptions land on the household's account
(the kernel resolves a member's account through the pooling), so every holder sees the
pooled balance and any holder redeems from it. A member who leaves holds their own
account again and takes what the household policy gives them
(:func:`services.loyalty.households.domain.leaving_share`). Tiers follow: a joiner
qualifies by the household's measures too, a leaver by their own again
(:mod:`services.loyalty.tiers.qualification`).

Customer numbers each member's membership changes (``version`` on its events), and loyalty
applies one member's changes in that order (:func:`apply_change`): a change at or below the
last applied is a duplicate and ignored; one past the next is kept until the changes
before it come, then applied right after them. Holding the partition back instead would
wait for ever when the missing change is behind the early one on the same partition (a
broker that lost its log gets the new change first, then the relay's republished ones).
Changes without a version (published before versions existed) apply as they come.

Every change holds the program row ``FOR SHARE``, then the member's applied version, and
locks the member's own account before the household's, the order every movement takes
them in. Use cases flush, never commit.
"""

from __future__ import annotations

import logging
import uuid
from typing import Literal, cast

from services.loyalty.accounts import service as accounts
from services.loyalty.accounts.pools import service as pools
from services.loyalty.accounts.pools.service import Transferred
from services.loyalty.accounts.service import Account
from services.loyalty.base import emit
from services.loyalty.households import domain, repository
from services.loyalty.households.domain import DEFAULT_LEAVING_SHARE, LeavingShare
from services.loyalty.households.errors import HouseholdNotKnown, StillInAnotherHousehold
from services.loyalty.households.schemas import HouseholdPolicyIn, HouseholdPolicyOut
from services.loyalty.points import service as points
from services.loyalty.program.service import locked_program
from services.loyalty.tiers import qualification
from shared.db import AsyncSession
from shared.events.customer import HouseholdCreated, HouseholdJoined, HouseholdLeft
from shared.events.loyalty import PointsTransferred

log = logging.getLogger(__name__)

Change = HouseholdCreated | HouseholdJoined | HouseholdLeft
_KINDS: dict[str, type[Change]] = {
    kind.event_type: kind for kind in (HouseholdCreated, HouseholdJoined, HouseholdLeft)
}


async def apply_change(session: AsyncSession, change: Change, event_id: str | None = None) -> None:
    """Applies a member's household change in its version's order (see the module's
    docstring); a change without a version applies at once.

    Raises :class:`HouseholdNotKnown` and :class:`StillInAnotherHousehold` (they wait),
    also for an early change applied after this one."""
    await locked_program(session)
    if change.version is None:
        await _apply(session, change, event_id)
        return
    member_id = change.member_id
    applied = await repository.locked_version(session, member_id)
    if change.version <= applied:
        log.warning(
            "%s of member %s at version %d is at or below version %d applied; ignored",
            change.event_type,
            member_id,
            change.version,
            applied,
        )
        return
    if change.version > applied + 1:
        await repository.keep_early(
            session,
            member_id=member_id,
            version=change.version,
            event_type=change.event_type,
            event_id=event_id,
            payload=change.model_dump(mode="json"),
        )
        log.warning(
            "%s of member %s at version %d came before version %d; kept until it comes",
            change.event_type,
            member_id,
            change.version,
            applied + 1,
        )
        return
    await _apply(session, change, event_id)
    version = change.version
    while (early := await repository.take_early(session, member_id, version + 1)) is not None:
        kept = _KINDS[early.event_type].model_validate(early.payload)
        await _apply(session, kept, early.event_id)
        version += 1
    await repository.save_version(session, member_id, version)


async def _apply(session: AsyncSession, change: Change, event_id: str | None) -> None:
    match change:
        case HouseholdCreated():
            await _created(session, change, event_id)
        case HouseholdJoined():
            await _joined(session, change, event_id)
        case HouseholdLeft():
            await _left(session, change, event_id)


async def _created(
    session: AsyncSession, created: HouseholdCreated, event_id: str | None = None
) -> None:
    """Opens the household's account and pools the head's points into it."""
    await locked_program(session)
    if await repository.account_of(session, created.household_id) is not None:
        log.warning("household %s was opened before; ignored", created.household_id)
        return
    pool = await pools.open_pool(session)
    await repository.add(session, created.household_id, pool.account_id)
    await _join(session, created.household_id, pool.account_id, created.member_id, event_id)


async def _joined(
    session: AsyncSession, joined: HouseholdJoined, event_id: str | None = None
) -> None:
    """The member becomes a holder of the household's account; their points move there.

    Raises :class:`HouseholdNotKnown` before the household's opening, and
    :class:`StillInAnotherHousehold` while loyalty has them in another (both wait)."""
    await locked_program(session)
    account_id = await _account_of(session, joined.household_id)
    await _join(session, joined.household_id, account_id, joined.member_id, event_id)


async def _account_of(session: AsyncSession, household_id: uuid.UUID) -> uuid.UUID:
    account_id = await repository.account_of(session, household_id)
    if account_id is None:
        raise HouseholdNotKnown(f"household {household_id} has not been opened in loyalty yet")
    return account_id


async def _join(
    session: AsyncSession,
    household_id: uuid.UUID,
    account_id: uuid.UUID,
    member_id: uuid.UUID,
    event_id: str | None,
) -> None:
    own = await accounts.locked_own_account(
        session, member_id, (await locked_program(session)).base_tier
    )
    if own.pooled_into == account_id:
        log.warning("member %s is in household %s already; ignored", member_id, household_id)
        return
    if own.pooled_into is not None:
        raise StillInAnotherHousehold(
            f"member {member_id} joined household {household_id} while still pooled into "
            f"account {own.pooled_into}"
        )
    pool = await accounts.locked_account(session, account_id)
    transfer_id = uuid.uuid4()
    moved = await pools.join_pool(
        session,
        member_id,
        own,
        pool,
        transfer_id,
        reason="joined a household",
        event_id=event_id,
        along=[
            repository.record_transfer(
                transfer_id=transfer_id,
                household_id=household_id,
                member_id=member_id,
                direction="join",
                points=own.balance,
            )
        ],
    )
    await _announce(session, household_id, account_id, member_id, transfer_id, "joined", moved)
    await qualification.after_joining(session, member_id, account_id)


async def _left(session: AsyncSession, left: HouseholdLeft, event_id: str | None = None) -> None:
    """The member holds their own account again and takes their share of the household's
    points (see :func:`domain.leaving_share`; the last holder takes all of it).

    Raises :class:`HouseholdNotKnown` before the household's opening (it waits)."""
    program = await locked_program(session)
    account_id = await _account_of(session, left.household_id)
    own = await accounts.locked_own_account(session, left.member_id, program.base_tier)
    if own.pooled_into != account_id:
        log.warning("member %s is not in household %s; ignored", left.member_id, left.household_id)
        return
    pool = await accounts.locked_account(session, account_id)
    share = await _leaving_share(session, left, pool)
    transfer_id = uuid.uuid4()
    moved = await pools.leave_pool(
        session,
        left.member_id,
        own,
        pool,
        share,
        transfer_id,
        reason="left a household",
        event_id=event_id,
        along=[
            repository.record_transfer(
                transfer_id=transfer_id,
                household_id=left.household_id,
                member_id=left.member_id,
                direction="leave",
                points=share,
            )
        ],
    )
    await _announce(
        session, left.household_id, account_id, left.member_id, transfer_id, "left", moved
    )
    await qualification.after_leaving(session, left.member_id)


async def _announce(
    session: AsyncSession,
    household_id: uuid.UUID,
    account_id: uuid.UUID,
    member_id: uuid.UUID,
    transfer_id: uuid.UUID,
    direction: Literal["joined", "left"],
    moved: Transferred | None,
) -> None:
    """``loyalty.points.transferred``, when points moved."""
    if moved is None:
        return
    pool, own = (moved.given, moved.taken) if direction == "joined" else (moved.taken, moved.given)
    await emit(
        session,
        PointsTransferred(
            member_id=member_id,
            account_id=account_id,
            household_id=household_id,
            transfer_id=transfer_id,
            direction=direction,
            points=moved.points,
            balance=pool.balance,
            member_balance=own.balance,
        ),
    )


async def _leaving_share(session: AsyncSession, left: HouseholdLeft, pool: Account) -> int:
    holders = await pools.holders(session, pool.account_id)
    since = {holder.member_id: holder.since for holder in holders}
    brought = await repository.brought(session, left.household_id, since)
    earned = await points.net_points_earned(session, pool.account_id, since)
    put_in = {m: max(0, brought.get(m, 0) + earned.get(m, 0)) for m in since}
    return domain.leaving_share(
        (await get_policy(session)).leaving_share,
        balance=pool.balance,
        holders=len(holders),
        contributed=put_in.get(left.member_id, 0),
        contributed_by_all=sum(put_in.values()),
    )


async def get_policy(session: AsyncSession) -> HouseholdPolicyOut:
    """The household policy; the default (``earned_share``) until marketing sets one."""
    row = await repository.policy(session)
    if row is None:
        return HouseholdPolicyOut(leaving_share=DEFAULT_LEAVING_SHARE, updated_at=None)
    return HouseholdPolicyOut(
        leaving_share=cast(LeavingShare, row.leaving_share), updated_at=row.updated_at
    )


async def set_policy(session: AsyncSession, data: HouseholdPolicyIn) -> HouseholdPolicyOut:
    """Replaces the household policy; it applies to members who leave from now on."""
    row = await repository.save_policy(session, data.leaving_share)
    return HouseholdPolicyOut(
        leaving_share=cast(LeavingShare, row.leaving_share), updated_at=row.updated_at
    )
