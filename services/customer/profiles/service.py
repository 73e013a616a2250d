"""Use cases of the profile lifecycle. They flush, never commit: the caller owns the
transaction. Each takes the member's row lock first, so changes of one profile take turns;
each change that changes something moves the profile's ``version`` on."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from services.customer.base import emit
from services.customer.config import Settings
from services.customer.consents import service as consents
from services.customer.consents.service import MessageClass
from services.customer.fields import service as custom_fields
from services.customer.history import service as history
from services.customer.history.domain import Actor, split_restriction
from services.customer.members import service as members
from services.customer.members.errors import PhoneRegistered
from services.customer.members.models import Member
from services.customer.members.service import PHONE_REGISTERED
from services.customer.profiles import domain, repository
from services.customer.profiles.errors import (
    FieldForStaff,
    MemberInactive,
    MemberLocked,
    PreconditionRequired,
    VersionMismatch,
)
from services.customer.profiles.schemas import ConsentIn, MemberPatch
from services.customer.search import index as search_index
from shared.crypto import PiiCipher
from shared.db import AsyncSession
from shared.events.customer import (
    ChannelConsent,
    MemberCardReissued,
    MemberConsentChanged,
    MemberDeactivated,
    MemberReactivated,
    MemberUpdated,
)
from shared.events.messaging import Channel
from shared.preconditions import etag, matching_version

log = logging.getLogger(__name__)


async def update_profile(
    session: AsyncSession,
    cipher: PiiCipher,
    member_id: uuid.UUID,
    patch: MemberPatch,
    *,
    if_match: str | None,
    by: Actor,
) -> Member:
    """Applies a merge patch made from the version ``if_match`` names and emits
    ``customer.member.updated`` naming the fields that changed (nothing changed: no event,
    same version), and a line of the profile's history per :func:`split_restriction`.
    ``by``: who edits (a member may change only :data:`domain.MEMBER_FIELDS`).

    Raises :class:`PreconditionRequired` (428) without ``If-Match`` (or with ``*``),
    :class:`FieldForStaff` (403), :class:`MemberNotFound` (404), :class:`MemberInactive`
    (409), :class:`VersionMismatch` (412, with the current ``ETag``) and
    :class:`PhoneRegistered` (409) for a phone another member has; custom field values
    are checked as :func:`custom_fields.checked_values` says (422 naming
    ``custom_fields.<key>``), and only staff change them (403 ``field-for-staff``).
    """
    if if_match is None or if_match.strip() == "*":
        raise PreconditionRequired(
            "A profile edit needs If-Match with the ETag of the profile it was made from "
            '(GET /members/{id} answers it, e.g. "3")',
            field="If-Match",
            where="header",
        )
    wanted: dict[str, Any] = patch.model_dump(include=patch.model_fields_set)
    if by.kind == "member" and (refused := domain.staff_only(wanted)):
        raise FieldForStaff(f"Only staff may change {', '.join(refused)}", field=refused[0])
    values = wanted.pop("custom_fields", None)
    member = await _active_member(session, member_id)
    if not matching_version(if_match, member.version):
        raise VersionMismatch(
            f"The profile is at version {member.version} now, not the one If-Match names: "
            "read it again and redo the edit",
            field="If-Match",
            where="header",
            headers={"ETag": etag(member.version)},
        )
    checked = await custom_fields.checked_values(session, values, registration=False)
    changed = domain.changed_fields(_current(cipher, member), wanted)
    if "phone" in changed and await repository.phone_taken(
        session, cipher.phone_hash(wanted["phone"]), member.id
    ):
        raise PhoneRegistered(PHONE_REGISTERED, field="phone")
    changed += await custom_fields.write(session, cipher, member, checked)
    if not changed:
        return member
    event = _apply(cipher, member, changed, wanted)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # a concurrent registration or edit took the number
        raise PhoneRegistered(PHONE_REGISTERED, field="phone") from exc
    if "name" in changed:
        await search_index.index_name(session, member)
    for action, fields in split_restriction(changed, member.restricted):
        history.record(session, member.id, action, by, member.updated_at, fields)
    await emit(session, event)
    return member


def _current(cipher: PiiCipher, member: Member) -> dict[str, Any]:
    """The profile's editable fields as plain values, to compare a patch with."""
    return {
        "name": member.name,
        "phone": cipher.decrypt(member.phone_encrypted),
        "email": cipher.decrypt(member.email_encrypted) if member.email_encrypted else None,
        "birthday": member.birthday,
        "gender": member.gender,
        "address": cipher.decrypt(member.address_encrypted) if member.address_encrypted else None,
        "occupation": member.occupation,
        "locale": member.locale,
        "store_id": member.store_id,
        "restricted": member.restricted,
    }


def _apply(
    cipher: PiiCipher, member: Member, changed: tuple[str, ...], wanted: dict[str, Any]
) -> MemberUpdated:
    """Writes the changed fields onto ``member`` (encrypting contact data) and returns the
    event telling of them: which changed, never a personal value (a service keeping one
    reads it from customer); the new phone's lookup hash, locale and store in clear."""
    carried: dict[str, Any] = {}
    for name in changed:
        if name not in wanted:  # a custom field's, written by custom_fields.write
            continue
        value = wanted[name]
        if name in ("phone", "email", "address"):
            setattr(member, f"{name}_encrypted", cipher.encrypt(value) if value else None)
        else:
            setattr(member, name, value)
    if "phone" in changed:
        member.phone_hash = carried["phone_hash"] = cipher.phone_hash(wanted["phone"])
    if "email" in changed:
        member.email_hash = cipher.email_hash(wanted["email"]) if wanted["email"] else None
    if "locale" in changed:
        carried["locale"] = wanted["locale"]
    if "store_id" in changed:
        carried["store_id"] = wanted["store_id"]
    _touch(member)
    return MemberUpdated(
        member_id=member.id,
        changed=changed,
        version=member.version,
        updated_at=member.updated_at,
        **carried,
    )


async def set_consent(
    session: AsyncSession,
    member_id: uuid.UUID,
    consent: ConsentIn,
    *,
    by: Actor,
    privacy_policy_version: str,
) -> Member:
    """Sets the member's consent per channel (and to marketing per channel, if given),
    records each changed channel's consent as given or withdrawn by ``by`` under
    ``privacy_policy_version``, and emits ``customer.member.consent_changed`` with both
    and the time and version (the same consent again changes nothing). Raises
    :class:`MemberNotFound` (404) and :class:`MemberInactive` (409)."""
    member = await _active_member(session, member_id)
    current = members.consent_of(member)
    marketing = consent.marketing or current.marketing_or_channel()
    changed = _changed(current.model_dump(exclude={"marketing"}), consent, exclude={"marketing"})
    marketing_changed = _changed(current.marketing_or_channel().model_dump(), marketing)
    if not changed and not marketing_changed:
        return member
    member.consent_sms, member.consent_email = consent.sms, consent.email
    member.marketing_sms, member.marketing_email = marketing.sms, marketing.email
    _touch(member)
    at = member.updated_at
    classes: tuple[tuple[MessageClass, dict[str, bool]], ...] = (
        ("channel", changed),
        ("marketing", marketing_changed),
    )
    for message_class, channels in classes:
        await consents.record(
            session,
            member.id,
            channels,
            by=by,
            at=at,
            privacy_policy_version=privacy_policy_version,
            message_class=message_class,
        )
    fields = (*changed, *(f"marketing.{channel}" for channel in marketing_changed))
    history.record(session, member.id, "consent_changed", by, at, fields)
    await emit(
        session,
        MemberConsentChanged(
            member_id=member.id,
            consent=ChannelConsent(sms=consent.sms, email=consent.email),
            marketing=ChannelConsent(sms=marketing.sms, email=marketing.email),
            changed_at=at,
            privacy_policy_version=privacy_policy_version,
        ),
    )
    return member


def _changed(
    before: dict[str, bool], wanted: BaseModel, exclude: set[str] | None = None
) -> dict[str, bool]:
    """The channels whose consent ``wanted`` changes, with their new value."""
    return {ch: on for ch, on in wanted.model_dump(exclude=exclude).items() if before[ch] != on}


async def opt_out_of_marketing(
    session: AsyncSession,
    member_id: uuid.UUID,
    channel: Channel,
    *,
    privacy_policy_version: str,
) -> None:
    """The member's opt-out of marketing on ``channel`` (an unsubscribe link or an SMS
    reply, told by messaging's ``messaging.member.opted_out``) as a consent change by the
    member (see :func:`set_consent`; an opt-out already in force changes nothing). A
    member erased or deactivated since is left as they are."""
    member = await repository.for_update(session, member_id)
    if member is None or member.status != "active":  # erased ones too
        log.info("opt-out of member %s not applied: no such active member", member_id)
        return
    current = members.consent_of(member)
    marketing = current.marketing_or_channel().model_copy(update={channel: False})
    await set_consent(
        session,
        member_id,
        ConsentIn(sms=current.sms, email=current.email, marketing=marketing),
        by=Actor("member"),
        privacy_policy_version=privacy_policy_version,
    )


async def reissue_card(
    session: AsyncSession, settings: Settings, member_id: uuid.UUID, *, by: Actor
) -> tuple[Member, str]:
    """Gives the member a new card (挂失补卡) and emits ``customer.member.card_reissued``;
    returns the member and the lost card's number, which finds nobody from now on.
    Raises :class:`MemberNotFound` (404) and :class:`MemberInactive` (409)."""
    member = await _active_member(session, member_id)
    previous = member.card_number
    member.card_serial, member.card_number = await members.new_card(session, settings)
    _touch(member)
    await session.flush()
    history.record(session, member.id, "card_reissued", by, member.updated_at, ("card_number",))
    await emit(
        session,
        MemberCardReissued(
            member_id=member.id,
            card_number=member.card_number,
            previous_card_number=previous,
            reissued_at=member.updated_at,
        ),
    )
    return member, previous


async def set_locked(
    session: AsyncSession, member_id: uuid.UUID, locked: bool, *, by: Actor
) -> Member:
    """Locks (加锁) or unlocks the profile, in its history as done by ``by``; the same
    state again changes nothing. Raises :class:`MemberNotFound` (404)."""
    member = await _member(session, member_id)
    if member.locked != locked:
        member.locked = locked
        _touch(member)
        history.record(
            session, member.id, "locked" if locked else "unlocked", by, member.updated_at
        )
    return member


def ensure_unlocked(member: Member) -> None:
    """Refuses to remove a locked profile: erasure, merge and deactivation call it first.
    Raises :class:`MemberLocked` (409)."""
    if member.locked:
        raise MemberLocked(
            f"Member {member.id} is locked (加锁): unlock the profile first",
            field="member_id",
            where="path",
        )


async def deactivate(session: AsyncSession, member_id: uuid.UUID, *, by: Actor) -> Member:
    """Makes the member inactive and emits ``customer.member.deactivated`` (an inactive
    member stays so, with no new event). Raises :class:`MemberNotFound` (404) and
    :class:`MemberLocked` (409)."""
    member = await _member(session, member_id)
    if member.status == "inactive":
        return member
    ensure_unlocked(member)
    member.status = "inactive"
    _touch(member)
    member.deactivated_at = member.updated_at
    history.record(session, member.id, "deactivated", by, member.updated_at)
    await emit(session, MemberDeactivated(member_id=member.id, deactivated_at=member.updated_at))
    return member


async def reactivate(session: AsyncSession, member_id: uuid.UUID, *, by: Actor) -> Member:
    """Makes a deactivated member active again and emits ``customer.member.reactivated``
    (an active member stays so, with no new event). Raises :class:`MemberNotFound` (404)."""
    member = await _member(session, member_id)
    if member.status != "inactive":
        return member
    member.status = "active"
    member.deactivated_at = None
    _touch(member)
    history.record(session, member.id, "reactivated", by, member.updated_at)
    await emit(
        session,
        MemberReactivated(
            member_id=member.id, phone_hash=member.phone_hash, reactivated_at=member.updated_at
        ),
    )
    return member


def _touch(member: Member) -> None:
    member.version += 1
    member.updated_at = datetime.now(UTC)


async def locked(session: AsyncSession, member_id: uuid.UUID) -> Member | None:
    """The member (an erased one's tombstone too), row-locked until the transaction ends
    and read afresh, or ``None``: an erasure takes turns with edits like edits do."""
    return await repository.for_update(session, member_id)


async def _member(session: AsyncSession, member_id: uuid.UUID) -> Member:
    return members.present(await locked(session, member_id), member_id)


async def _active_member(session: AsyncSession, member_id: uuid.UUID) -> Member:
    member = await _member(session, member_id)
    if member.status == "inactive":
        raise MemberInactive(
            f"Member {member_id} was deactivated; their profile no longer changes",
            field="member_id",
            where="path",
        )
    return member
