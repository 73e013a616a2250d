"""Use cases of the member directory: learning members from customer's events, and finding
the members that sales name."""

from __future__ import annotations

from collections.abc import Sequence

from services.orders.directory import repository
from services.orders.directory.domain import MAX_CARD_NUMBER, KnownMembers, MemberReference
from shared.crypto import PiiCipher
from shared.db import AsyncSession
from shared.events.customer import (
    MemberCardReissued,
    MemberDeactivated,
    MemberErased,
    MemberReactivated,
    MemberRegistered,
    MemberUpdated,
)
from shared.privacy import unlinkable


async def record_member(session: AsyncSession, registered: MemberRegistered) -> None:
    """Adds a member to orders' directory; seeing the same member again changes nothing."""
    await repository.add_member(
        session, registered.member_id, registered.card_number, registered.phone_hash
    )


async def record_member_update(session: AsyncSession, updated: MemberUpdated) -> None:
    """Takes a member's new phone lookup hash; other changes are no concern of orders."""
    if "phone_hash" in updated.changed and updated.phone_hash is not None:
        await repository.set_phone_hash(session, updated.member_id, updated.phone_hash)


async def record_card_reissue(session: AsyncSession, reissued: MemberCardReissued) -> None:
    """A lost card was replaced (挂失补卡): the new number names the member at tills, the
    old one nobody. A repeat sets the same number again."""
    await repository.set_card_number(session, reissued.member_id, reissued.card_number)


async def record_erasure(session: AsyncSession, erased: MemberErased) -> None:
    """An erased member (``customer.member.erased``) stays in the directory by id only,
    deactivated from ``erased_at``: neither their phone nor their card names them at a
    till again (the card number is replaced by a random one). Sales and returns stay,
    keyed by id. A repeat changes the random card, nothing else."""
    await repository.erase(session, erased.member_id, erased.erased_at, unlinkable(MAX_CARD_NUMBER))


async def record_deactivation(session: AsyncSession, deactivated: MemberDeactivated) -> None:
    """The member is inactive: no card, phone or id names them in a sale any more (a sale
    naming them is refused as for an unknown member); their earlier sales stand."""
    await repository.deactivate(session, deactivated.member_id, deactivated.deactivated_at)


async def record_reactivation(session: AsyncSession, reactivated: MemberReactivated) -> None:
    """The member is active again: their card, phone and id name them in sales once more.
    A repeat, or one older than a later deactivation, changes nothing."""
    await repository.reactivate(
        session, reactivated.member_id, reactivated.phone_hash, reactivated.reactivated_at
    )


async def find_members(
    session: AsyncSession, cipher: PiiCipher, references: Sequence[MemberReference]
) -> KnownMembers:
    """The known members among ``references``: one query per kind of reference used.

    Phone numbers (E.164) are looked up by their hash and never leave this function.
    """
    phone_hashes = {r.phone: cipher.phone_hash(r.phone) for r in references if r.phone}
    ids = {r.member_id for r in references if r.member_id is not None}
    cards = {r.card_number for r in references if r.card_number is not None}
    by_hash = await repository.find_member_ids(session, phone_hashes=set(phone_hashes.values()))
    return KnownMembers(
        by_id=frozenset((await repository.find_member_ids(session, member_ids=ids)).values()),
        by_card=await repository.find_member_ids(session, card_numbers=cards),
        by_phone={
            phone: by_hash[hashed] for phone, hashed in phone_hashes.items() if hashed in by_hash
        },
    )
