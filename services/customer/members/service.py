"""Use cases of members. They flush, never commit: the caller owns the transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from sqlalchemy.exc import IntegrityError

from services.customer.base import emit
from services.customer.categories import service as categories
from services.customer.config import Settings
from services.customer.consents import service as consents
from services.customer.fields import service as custom_fields
from services.customer.history.domain import Actor
from services.customer.joining import service as joining
from services.customer.members import domain, repository
from services.customer.members.errors import (
    MemberErased,
    MemberNotFound,
    PhoneRegistered,
    ReferralCodeUnknown,
    SelfReferral,
)
from services.customer.members.models import Member
from services.customer.members.schemas import (
    Consent,
    MarketingConsent,
    MemberCreate,
    MemberListItem,
    MemberOut,
    MemberPage,
    Status,
)
from services.customer.search import index as search_index
from services.customer.tags import service as tags
from shared import codes
from shared.contacts import MemberContact
from shared.crypto import PiiCipher, mask_email, mask_phone
from shared.db import AsyncSession
from shared.events.customer import ChannelConsent, MemberReferred, MemberRegistered
from shared.pagination import PageKey, encode_cursor
from shared.tokens import Principal

PHONE_REGISTERED = "A member with this phone number is already registered"
_CODE_DRAWS = 3


def registered_event(
    member_id: uuid.UUID,
    card_number: str,
    data: MemberCreate,
    phone_hash: str,
    at: datetime,
    card_fee_fen: int | None = None,
    source: Literal["registration", "import"] = "registration",
) -> MemberRegistered:
    """``customer.member.registered`` of a member made from ``data`` (a sign-up or an
    imported row alike, told apart by ``source``), ids and non-personal facts only:
    ``phone_hash`` the lookup hash of its E.164 phone; ``card_fee_fen`` the card fee paid
    (0: waived; ``None``: no fee, or imported)."""
    return MemberRegistered(
        member_id=member_id,
        card_number=card_number,
        phone_hash=phone_hash,
        locale=data.locale,
        consent=ChannelConsent(sms=data.consent.sms, email=data.consent.email),
        marketing=ChannelConsent(**data.consent.marketing_or_channel().model_dump()),
        store_id=data.store_id,
        qualification=data.qualification.kind if data.qualification else None,
        card_fee_fen=card_fee_fen,
        source=source,
        registered_at=at,
    )


def consent_of(member: Member) -> Consent:
    """The member's consent per channel and to marketing per channel (a member from
    before marketing consent, or imported, has the channel's)."""
    return Consent(
        sms=member.consent_sms,
        email=member.consent_email,
        marketing=MarketingConsent(
            sms=member.consent_sms if member.marketing_sms is None else member.marketing_sms,
            email=(
                member.consent_email if member.marketing_email is None else member.marketing_email
            ),
        ),
    )


async def register_member(
    session: AsyncSession,
    settings: Settings,
    cipher: PiiCipher,
    data: MemberCreate,
    *,
    by: str = "system",
    member_id: uuid.UUID | None = None,
    signed_up: bool = False,
) -> Member:
    """Registers a member, numbers their card, gives them a referral code and emits
    ``customer.member.registered`` (then ``customer.member.referred`` if they named a
    referral code).

    ``data.phone`` is E.164 (a ``Phone`` field); ``data.referral_code`` in stored form.
    The joining policy is checked first and the qualification and card fee are recorded
    as attested by ``by`` (the staff user; see :func:`joining.admit` for its problems),
    and the consent as given by them under the privacy policy in force; with
    ``signed_up``, the member signed themself up (``by`` is their token's subject) and
    gave the consent. ``member_id``: the id to give the member (a new one by default).
    Raises :class:`ReferralCodeUnknown` (422) if no member has the code,
    :class:`SelfReferral` (422) if its member has this phone number, and
    :class:`PhoneRegistered` (409) if a member already has that number, and
    :class:`~services.customer.fields.errors.CustomValueInvalid` (422) naming
    ``custom_fields.<key>`` for a value its definition refuses or a required one missing.
    """
    admitted = await joining.admit(session, data.qualification, data.card_fee)
    values = await custom_fields.checked_values(session, data.custom_fields, registration=True)
    phone_hash = cipher.phone_hash(data.phone)
    referrer = await _referrer(session, data.referral_code, phone_hash)
    if await repository.by_phone_hash(session, phone_hash) is not None:
        raise PhoneRegistered(PHONE_REGISTERED, field="phone")
    serial, number = await new_card(session, settings)
    email = str(data.email) if data.email else None
    member = Member(
        id=member_id or uuid.uuid4(),
        card_serial=serial,
        card_number=number,
        name=data.name,
        phone_encrypted=cipher.encrypt(data.phone),
        phone_hash=phone_hash,
        email_encrypted=cipher.encrypt(email) if email else None,
        email_hash=cipher.email_hash(email) if email else None,
        birthday=data.birthday,
        gender=data.gender,
        locale=data.locale,
        consent_sms=data.consent.sms,
        consent_email=data.consent.email,
        marketing_sms=data.consent.marketing_or_channel().sms,
        marketing_email=data.consent.marketing_or_channel().email,
        store_id=data.store_id,
        referral_code=await _fresh_referral_code(session),
        referrer_id=referrer.id if referrer else None,
    )
    try:
        async with session.begin_nested():
            session.add(member)
    except IntegrityError as exc:  # a concurrent registration with the same phone won
        raise PhoneRegistered(PHONE_REGISTERED, field="phone") from exc
    await joining.record(session, cipher, member.id, admitted, by=by)
    actor = Actor("member" if signed_up else "staff", by)
    await consents.record(
        session,
        member.id,
        data.consent.model_dump(exclude={"marketing"}),
        by=actor,
        at=member.created_at,
        privacy_policy_version=settings.privacy_policy_version,
    )
    await consents.record(
        session,
        member.id,
        data.consent.marketing_or_channel().model_dump(),
        by=actor,
        at=member.created_at,
        privacy_policy_version=settings.privacy_policy_version,
        message_class="marketing",
    )
    await search_index.index_name(session, member)
    await custom_fields.write(session, cipher, member, values)
    at, fee = member.created_at, admitted.card_fee_fen
    await emit(session, registered_event(member.id, member.card_number, data, phone_hash, at, fee))
    if referrer is not None:
        await emit(
            session,
            MemberReferred(
                member_id=member.id, referrer_id=referrer.id, referred_at=member.created_at
            ),
        )
    return member


async def new_card(session: AsyncSession, settings: Settings) -> tuple[int, str]:
    """The next card serial and its card number: serials are never reused, so neither is
    a number (a reissued card's old number names nobody again)."""
    serial = await repository.next_card_serial(session)
    return serial, domain.card_number(settings.card_number_prefix, serial)


async def _referrer(session: AsyncSession, code: str | None, phone_hash: str) -> Member | None:
    if code is None:
        return None
    referrer = await repository.by_referral_code(session, code)
    if referrer is None or referrer.status == repository.ERASED:
        raise ReferralCodeUnknown(
            f"No member has the referral code {codes.display(code)}", field="referral_code"
        )
    if referrer.phone_hash == phone_hash:
        raise SelfReferral(
            "This referral code belongs to the member with this phone number: "
            "a member cannot refer themself",
            field="referral_code",
        )
    return referrer


async def _fresh_referral_code(session: AsyncSession) -> str:
    # A code already taken is drawn again. Two registrations drawing the same new code at
    # the same moment (about 2^-60 per pair) would meet at the unique index: one gets 409.
    for _ in range(_CODE_DRAWS):
        code = codes.new_code()
        if await repository.by_referral_code(session, code) is None:
            return code
    raise RuntimeError("three referral codes drawn were all taken")


async def get_member(session: AsyncSession, member_id: uuid.UUID) -> Member:
    """The member ``member_id``; raises :class:`MemberNotFound` (404) and
    :class:`MemberErased` (410)."""
    return present(await repository.get(session, member_id), member_id)


def present(member: Member | None, member_id: uuid.UUID) -> Member:
    """``member`` (the one with id ``member_id``) if there is one and it is not erased.
    Raises :class:`MemberNotFound` (404) and :class:`MemberErased` (410)."""
    if member is None:
        raise MemberNotFound(f"No member with id {member_id}", field="member_id", where="path")
    if member.status == repository.ERASED:
        raise MemberErased(
            f"Member {member_id} was erased; nothing about them is kept",
            field="member_id",
            where="path",
        )
    return member


async def contact_of(
    session: AsyncSession, cipher: PiiCipher, member_id: uuid.UUID
) -> MemberContact:
    """The member's contact data decrypted, for a service that keeps its own copy (events
    carry ids only, :mod:`shared.contacts`); raises :class:`MemberNotFound` (404) and
    :class:`MemberErased` (410)."""
    member = await get_member(session, member_id)
    return MemberContact(
        member_id=member.id,
        name=member.name,
        phone=cipher.decrypt(member.phone_encrypted),
        email=cipher.decrypt(member.email_encrypted) if member.email_encrypted else None,
        birthday=member.birthday,
        gender=member.gender,
        locale=member.locale,
        version=member.version,
    )


async def exists(session: AsyncSession, member_id: uuid.UUID) -> bool:
    """Whether a member has the id ``member_id`` (an erased one's tombstone too: the id
    stays taken)."""
    return await repository.get(session, member_id) is not None


async def is_present(session: AsyncSession, member_id: uuid.UUID) -> bool:
    """Whether a member who is not erased has the id ``member_id``."""
    member = await repository.get(session, member_id)
    return member is not None and member.status != repository.ERASED


async def member_with_card(session: AsyncSession, card_number: str) -> Member | None:
    """The member whose card is ``card_number``, if any."""
    return await repository.lookup(session, phone_hash=None, card_number=card_number)


async def find_members(
    session: AsyncSession, cipher: PiiCipher, *, phone: str | None, card_number: str | None
) -> list[Member]:
    """The member with phone ``phone`` (E.164) and/or card ``card_number``, if any.

    With both, the member must have both; with neither, :class:`ValueError`.
    """
    found = await repository.lookup(
        session,
        phone_hash=cipher.phone_hash(phone) if phone is not None else None,
        card_number=card_number,
    )
    return [found] if found else []


async def list_members(
    session: AsyncSession, cipher: PiiCipher, limit: int, after: PageKey | None
) -> MemberPage:
    """Up to ``limit`` members in joining order after ``after``, contact data masked."""
    members = await repository.page(session, limit + 1, after)
    more = len(members) > limit
    members = members[:limit]
    items = [to_list_item(cipher, member) for member in members]
    last = members[-1] if more and members else None
    return MemberPage(
        items=items, next_cursor=encode_cursor(last.created_at, last.id) if last else None
    )


def to_out(cipher: PiiCipher, member: Member, *, masked: bool = False) -> MemberOut:
    """The profile; with ``masked``, phone, email and address masked (see
    :func:`domain.sees_contact`)."""
    phone = cipher.decrypt(member.phone_encrypted)
    email = cipher.decrypt(member.email_encrypted) if member.email_encrypted else None
    address = cipher.decrypt(member.address_encrypted) if member.address_encrypted else None
    if masked:
        phone = mask_phone(phone)
        email = mask_email(email) if email else None
        address = domain.mask_text(address) if address else None
    return MemberOut(
        id=member.id,
        card_number=member.card_number,
        name=member.name,
        phone=phone,
        email=email,
        birthday=member.birthday,
        gender=member.gender,
        locale=member.locale,
        consent=consent_of(member),
        store_id=member.store_id,
        referral_code=codes.display(member.referral_code),
        address=address,
        occupation=member.occupation,
        status=_status(member),
        locked=member.locked,
        restricted=member.restricted,
        contact_masked=masked,
        version=member.version,
        created_at=member.created_at,
    )


def view(cipher: PiiCipher, member: Member, principal: Principal) -> MemberOut:
    """The profile as ``principal`` may see it: a restricted profile's contact data masked
    unless :func:`domain.sees_contact`."""
    masked = not domain.sees_contact(
        restricted=member.restricted,
        role=principal.role,
        is_self=principal.member_id == member.id,
    )
    return to_out(cipher, member, masked=masked)


async def profile(
    session: AsyncSession, cipher: PiiCipher, member: Member, principal: Principal
) -> MemberOut:
    """The profile as ``principal`` may see it (:func:`view`), with how the member
    qualified to join, their consent record and their values of the active custom fields
    (texts masked where the contact data is); staff also see the member's tags and
    category (a brand's classification is internal)."""
    out = view(cipher, member, principal)
    out.qualification = await joining.qualification_of(session, member.id)
    out.consent_record = await consents.records_of(session, member.id)
    out.custom_fields = await custom_fields.shown(
        session, cipher, member.id, masked=out.contact_masked
    )
    if principal.is_staff:
        out.tags = await tags.tags_of(session, member.id)
        out.category = await categories.category_of(session, member.id)
    return out


def _status(member: Member) -> Status:
    return "inactive" if member.status == "inactive" else "active"


def to_list_item(cipher: PiiCipher, member: Member) -> MemberListItem:
    email = cipher.decrypt(member.email_encrypted) if member.email_encrypted else None
    return MemberListItem(
        id=member.id,
        card_number=member.card_number,
        name=member.name,
        phone_masked=mask_phone(cipher.decrypt(member.phone_encrypted)),
        email_masked=mask_email(email) if email else None,
        status=_status(member),
        created_at=member.created_at,
    )
