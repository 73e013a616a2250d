"""Use cases of erasure and access. They flush, never commit: the caller owns the
transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.customer.base import emit, idempotency, inbox, outbox
from services.customer.config import Settings
from services.customer.consents import service as consents
from services.customer.desk import service as desk
from services.customer.desk.domain import Filters
from services.customer.history import service as history
from services.customer.history.domain import Actor
from services.customer.households import service as households
from services.customer.members import service as members
from services.customer.members.errors import MemberNotFound
from services.customer.members.repository import ERASED
from services.customer.privacy import domain, peers, repository
from services.customer.privacy.schemas import CustomerPart, Erasure, MemberExport
from services.customer.profiles import service as profiles
from services.customer.profiles.service import ensure_unlocked
from services.customer.tags import service as tags
from shared.crypto import PiiCipher
from shared.db import AsyncSession
from shared.events.customer import MemberErased
from shared.privacy import scrub_retained
from shared.tokens import Principal


async def erase(
    session: AsyncSession, cipher: PiiCipher, member_id: uuid.UUID, *, by: Actor
) -> Erasure:
    """Erases the member (PIPL art. 47) in the caller's transaction: their row becomes a
    tombstone (:func:`domain.anonymise`), what customer's other tables hold about them
    is removed or blanked (:func:`repository.forget`: sign-ins and codes, tags,
    category, custom fields, search grams, staff lists, the free text of tickets and of
    their qualification), a line ``erased`` joins the profile's history (no values), and
    ``customer.member.erased`` (ids only) is emitted; then what customer retains is
    scrubbed (:func:`shared.privacy.scrub_retained`: outbox rows, dead letters,
    idempotent answers). Consent records stay: they prove what the member agreed to,
    under which privacy policy, and hold no personal data. Household memberships stay
    too (ids only): the household's pooled points are the other members' as well.

    Returns the tombstone's id and erasure time (UTC). An erased member stays erased: a
    second erasure changes nothing, emits nothing and answers the first one's time.
    Raises :class:`MemberNotFound` (404) and
    :class:`~services.customer.profiles.errors.MemberLocked` (409: a locked profile, 加锁,
    is not erased until it is unlocked)."""
    member = await profiles.locked(session, member_id)
    if member is None:
        raise MemberNotFound(f"No member with id {member_id}", field="member_id", where="path")
    if member.status == ERASED and member.erased_at is not None:
        return Erasure(member_id=member.id, erased_at=member.erased_at)
    ensure_unlocked(member)
    phone_hash = member.phone_hash
    domain.anonymise(member, datetime.now(UTC))
    await session.flush()
    await repository.forget(session, member.id, phone_hash, cipher.encrypt(domain.ERASED_TEXT))
    at = member.updated_at
    history.record(session, member.id, "erased", by, at)
    await emit(session, MemberErased(member_id=member.id, erased_at=at))
    await scrub_retained(session, member.id, outbox=outbox, inbox=inbox, keys=idempotency)
    return Erasure(member_id=member.id, erased_at=at)


EXPORT_LIMIT = 10_000
"""The most consent changes, profile changes and tickets an export lists of each (newest
first)."""


async def export(
    session: AsyncSession,
    cipher: PiiCipher,
    settings: Settings,
    member_id: uuid.UUID,
    principal: Principal,
    authorization: str,
) -> MemberExport:
    """Everything Huiyuan holds about the member (PIPL art. 45): customer's part read
    here in clear (:class:`CustomerPart`), every other service's asked for with the
    caller's ``authorization`` header (:func:`peers.parts`). Raises
    :class:`MemberNotFound` (404), :class:`~services.customer.members.errors.MemberErased`
    (410) and :class:`~services.customer.privacy.errors.ExportPeerUnavailable` (503)."""
    member = await members.get_member(session, member_id)
    profile = await members.profile(session, cipher, member, principal)
    profile.tags = await tags.tags_of(session, member_id)
    listed = await desk.list_tickets(session, Filters(member_id=member_id), EXPORT_LIMIT, None)
    tickets = [
        desk.to_out(cipher, await desk.get_ticket(session, item.id)) for item in listed.items
    ]
    consent_changes = await consents.history(session, member_id, EXPORT_LIMIT, None)
    profile_changes = await history.history(session, member_id, EXPORT_LIMIT, None)
    customer = CustomerPart(
        profile=profile,
        consent_history=consent_changes.items,
        profile_history=profile_changes.items,
        household=await households.household_of_member(session, member_id),
        tickets=tickets,
    )
    others = await peers.parts(settings, member_id, authorization)
    return MemberExport(
        member_id=member_id, exported_at=datetime.now(UTC), customer=customer, **others
    )
