"""The contact table, projected from customer events and the contacts read from customer;
name, phone and email encrypted at rest."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, DateTime, Index, SmallInteger
from sqlmodel import Field

from services.messaging.base import MessagingTable, timestamp


class Contact(MessagingTable, table=True):
    """From ``customer.member.registered``, updated by ``customer.member.updated``: the
    member's name, phone, email, birthday and locale as read from customer (``GET
    /members/{id}/contact``; events carry ids only), the rest from the events themselves.
    ``name_encrypted``, ``phone_encrypted`` and ``email_encrypted`` are encrypted with the PII
    key (Fernet).

    ``phone_encrypted`` holds the E.164 number; contacts stored by the previous release
    hold digits (``13812345678``) until the customer service's upgrade republishes the
    number, and are read through :func:`services.messaging.contacts.domain.phone_reach`.
    ``updated_at`` is the time of the newest customer fact applied. ``active`` turns false
    when the member is deactivated (``customer.member.deactivated``): nothing is sent to
    an inactive member. ``marketing_<channel>`` is the marketing consent on the channel;
    an opt-out (unsubscribe link, SMS reply) clears it at once and stamps
    ``<channel>_opted_out_at``, so a consent change customer made before it, consumed
    after it, cannot turn marketing back on. ``phone_hash`` is the keyed lookup hash of
    the E.164 number (:meth:`shared.crypto.PiiCipher.lookup_hash`), to find the member
    an SMS reply comes from. ``birth_month`` and ``birth_day`` are the member's birthday
    without its year (all the birthday journey needs; both null: none on file).
    ``time_zone`` is the one IANA zone the phone number's range is in
    (:func:`services.messaging.contacts.domain.phone_zone`); null: the brand's.
    ``card_number`` is the member's card (registration, then
    reissues), to find the members of a bulk send's card list; null for contacts kept
    before it was (until their card is reissued).
    """

    __tablename__ = "contacts"

    member_id: uuid.UUID = Field(primary_key=True)
    name_encrypted: str
    locale: str = Field(default="zh-CN", max_length=8)
    phone_encrypted: str
    email_encrypted: str | None = None
    consent_sms: bool = False
    consent_email: bool = False
    marketing_sms: bool = False
    marketing_email: bool = False
    sms_opted_out_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    email_opted_out_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    phone_hash: str | None = Field(default=None, max_length=64, index=True)
    card_number: str | None = Field(default=None, max_length=32, index=True)
    active: bool = True
    birth_month: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    birth_day: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    time_zone: str | None = Field(default=None, max_length=64)
    updated_at: datetime = timestamp()


class ContactTag(MessagingTable, table=True):
    """A tag (客户分类, by its id in customer) the member has, from the ``tags_added`` and
    ``tags_removed`` of ``customer.member.updated``: the audience of a bulk send by tag."""

    __tablename__ = "contact_tags"
    __table_args__ = (Index("ix_contact_tags_tag", "tag_id", "member_id"),)

    member_id: uuid.UUID = Field(primary_key=True)
    tag_id: uuid.UUID = Field(primary_key=True)


class EmailSuppression(MessagingTable, table=True):
    """An email address that bounced hard: no email goes to it (suppressed ``bounced``)
    until the member whose email bounced changes their email (``customer.member.updated``
    with a new one deletes the row). Kept by the keyed lookup hash of the normalised
    address (:meth:`shared.crypto.PiiCipher.email_hash`), never the address itself."""

    __tablename__ = "email_suppressions"

    address_hash: str = Field(primary_key=True, max_length=64)
    member_id: uuid.UUID = Field(index=True)
    """The member whose email bounced."""
    bounced_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    """When the provider says the address bounced."""
