"""Use cases of households: open one, join, leave, read. They flush, never commit.

Every change locks the household's row first, so one household's joins and leaves queue
up; a member's one household is the key of ``household_members``, so two households
cannot take the same member even at once. Each change publishes its event
(``customer.household.created``, ``.joined``, ``.left``), keyed by the household and
carrying the member's membership version, counted in the same transaction
(:func:`repository.next_version`), so loyalty can apply one member's changes in order
even when a broker that lost its log delivers them out of order.
"""

from __future__ import annotations

import uuid

from services.customer.base import emit
from services.customer.households import domain, repository
from services.customer.households.errors import (
    AlreadyInHousehold,
    CardNotFound,
    HouseholdDissolved,
    HouseholdNotFound,
    NotInHousehold,
)
from services.customer.households.models import HEAD, MEMBER, Household
from services.customer.households.schemas import (
    HouseholdCreate,
    HouseholdJoin,
    HouseholdMemberOut,
    HouseholdOut,
    HouseholdPage,
)
from services.customer.members import service as members
from services.customer.members.models import Member
from shared.db import AsyncSession
from shared.events.customer import HouseholdCreated, HouseholdJoined, HouseholdLeft
from shared.pagination import PageKey, encode_cursor


async def _member_with_card(session: AsyncSession, card_number: str, field: str) -> Member:
    member = await members.member_with_card(session, card_number)
    if member is None:
        raise CardNotFound(f"No member has card {card_number}", field=field)
    return member


def _already_in(member: Member, field: str) -> AlreadyInHousehold:
    return AlreadyInHousehold(
        f"The member with card {member.card_number} is in a household already; "
        "they leave it before joining another",
        field=field,
    )


async def create_household(session: AsyncSession, data: HouseholdCreate) -> HouseholdOut:
    """Opens a household headed by the member with ``data.head_card_number``.

    Raises :class:`CardNotFound` (422) and :class:`AlreadyInHousehold` (409).
    """
    head = await _member_with_card(session, data.head_card_number, "head_card_number")
    if await repository.household_of(session, head.id) is not None:
        raise _already_in(head, "head_card_number")
    household = Household(head_member_id=head.id)
    session.add(household)
    await session.flush()
    if await repository.join(session, household.id, head.id, HEAD) is None:
        raise _already_in(head, "head_card_number")  # a concurrent opening took them
    await emit(
        session,
        HouseholdCreated(
            household_id=household.id,
            member_id=head.id,
            created_at=household.created_at,
            version=await repository.next_version(session, head.id),
        ),
    )
    return await _view(session, household)


async def _locked(session: AsyncSession, household_id: uuid.UUID) -> Household:
    household = await repository.household(session, household_id, lock=True)
    if household is None:
        raise HouseholdNotFound(
            f"No household with id {household_id}", field="household_id", where="path"
        )
    return household


async def join(session: AsyncSession, household_id: uuid.UUID, data: HouseholdJoin) -> HouseholdOut:
    """Adds the member with ``data.card_number`` to the household.

    Raises :class:`HouseholdNotFound` (404), :class:`HouseholdDissolved` (409),
    :class:`CardNotFound` (422), :class:`HouseholdFull` and :class:`AlreadyInHousehold`
    (409).
    """
    household = await _locked(session, household_id)
    if household.dissolved_at is not None:
        raise HouseholdDissolved(
            f"Household {household_id} was dissolved when its last member left"
        )
    member = await _member_with_card(session, data.card_number, "card_number")
    domain.check_room(len(await repository.members_of(session, [household_id])))
    joined_at = await repository.join(session, household_id, member.id, MEMBER)
    if joined_at is None:
        raise _already_in(member, "card_number")
    await emit(
        session,
        HouseholdJoined(
            household_id=household_id,
            member_id=member.id,
            joined_at=joined_at,
            version=await repository.next_version(session, member.id),
        ),
    )
    return await _view(session, household)


async def leave(session: AsyncSession, household_id: uuid.UUID, card_number: str) -> HouseholdOut:
    """Removes the member with card ``card_number`` from the household; the last member
    leaving dissolves it.

    Raises :class:`HouseholdNotFound` (404), :class:`NotInHousehold` (404) and
    :class:`HeadLeavesLast` (409).
    """
    household = await _locked(session, household_id)
    inside = await repository.members_of(session, [household_id])
    leaving = next((m for m in inside if m.card_number == card_number), None)
    if leaving is None:
        raise NotInHousehold(
            f"No member with card {card_number} is in household {household_id}",
            field="card_number",
            where="path",
        )
    dissolved = domain.check_leaving(leaving.role == HEAD, len(inside))
    left_at = await repository.leave(session, household_id, leaving.member_id)
    if dissolved:
        household.dissolved_at = await repository.dissolve(session, household_id)
    await emit(
        session,
        HouseholdLeft(
            household_id=household_id,
            member_id=leaving.member_id,
            left_at=left_at,
            dissolved=dissolved,
            version=await repository.next_version(session, leaving.member_id),
        ),
    )
    return await _view(session, household)


async def get_household(session: AsyncSession, household_id: uuid.UUID) -> HouseholdOut:
    """The household and its members. Raises :class:`HouseholdNotFound` (404)."""
    household = await repository.household(session, household_id)
    if household is None:
        raise HouseholdNotFound(
            f"No household with id {household_id}", field="household_id", where="path"
        )
    return await _view(session, household)


async def list_households(
    session: AsyncSession, limit: int, after: PageKey | None, card_number: str | None
) -> HouseholdPage:
    """Up to ``limit`` households in opening order after ``after``; with ``card_number``,
    the household of that card's member (a page of at most one)."""
    if card_number is not None:
        member = await members.member_with_card(session, card_number)
        found = await repository.household_of(session, member.id) if member else None
        household = await repository.household(session, found) if found else None
        return HouseholdPage(items=await _views(session, [household] if household else []))
    households = await repository.page(session, limit + 1, after)
    last = households[limit - 1] if len(households) > limit else None
    return HouseholdPage(
        items=await _views(session, households[:limit]),
        next_cursor=encode_cursor(last.created_at, last.id) if last else None,
    )


async def household_of_member(session: AsyncSession, member_id: uuid.UUID) -> HouseholdOut | None:
    """The household the member is in, if any (their export)."""
    found = await repository.household_of(session, member_id)
    household = await repository.household(session, found) if found else None
    return await _view(session, household) if household else None


async def _view(session: AsyncSession, household: Household) -> HouseholdOut:
    return (await _views(session, [household]))[0]


async def _views(session: AsyncSession, households: list[Household]) -> list[HouseholdOut]:
    inside = await repository.members_of(session, [h.id for h in households])
    return [
        HouseholdOut(
            id=household.id,
            head_member_id=household.head_member_id,
            members=[
                HouseholdMemberOut(
                    member_id=m.member_id,
                    card_number=m.card_number,
                    name=m.name,
                    role=HEAD if m.role == HEAD else MEMBER,
                    joined_at=m.joined_at,
                )
                for m in inside
                if m.household_id == household.id
            ],
            created_at=household.created_at,
            dissolved_at=household.dissolved_at,
        )
        for household in households
    ]
