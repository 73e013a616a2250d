"""Events published by the customer service on ``customer.events``.

They carry ids and non-personal facts only: no name, phone number, email, birthday,
gender or address, not even encrypted (a broker's topics and retained outbox rows cannot be
edited, so whatever an event carries would outlive an erasure, and ciphertext under a key
every service holds is readable wherever that key is). A service that keeps contact data
reads it from customer (``GET /members/{id}/contact``, :mod:`shared.contacts`). Payloads
ignore fields they do not declare, so the events published before, which still carry
them, parse (and the fields are dropped). The one exception is
``customer.signin.code_requested`` (see :class:`SigninCodeRequested`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from shared.events.envelope import EventPayload

Locale = Literal["zh-CN", "en"]
Gender = Literal["female", "male", "other", "undisclosed"]


class ChannelConsent(EventPayload):
    sms: bool = False
    email: bool = False


def marketing_or_channel(
    marketing: ChannelConsent | None, consent: ChannelConsent
) -> ChannelConsent:
    """The marketing consent per channel an event means: as carried, or (an event from
    before marketing consent existed) the channel's consent."""
    return marketing if marketing is not None else consent


class MemberRegistered(EventPayload):
    """A new member joined. Ids and non-personal facts only: a service that keeps the
    member's contact (messaging) or birthday (loyalty) reads it from customer."""

    event_type: ClassVar[str] = "customer.member.registered"
    subject_field: ClassVar[str] = "member_id"

    member_id: uuid.UUID
    card_number: str
    phone_hash: str
    """The keyed lookup hash of the E.164 number (tills find the member by it)."""
    locale: Locale = "zh-CN"
    consent: ChannelConsent = ChannelConsent()
    marketing: ChannelConsent | None = None
    """Consent to marketing messages per channel (on top of the channel's); absent on
    events from before it: read with :func:`marketing_or_channel`."""
    store_id: uuid.UUID | None = None
    qualification: Literal["purchase", "earlier_customer"] | None = None
    card_fee_fen: int | None = None
    source: Literal["registration", "import"] = "registration"
    """``import``: an existing customer brought in by a member import (``POST /imports``),
    whom messaging does not welcome; ``registration``: anyone who signed up."""
    registered_at: datetime


class MemberReferred(EventPayload):
    """A new member (``member_id``) registered with the referral code of ``referrer_id``.

    Published in the registration's transaction, after ``customer.member.registered``, on
    the new member's key. Ids only: whoever needs to show the friend masks what it knows.
    """

    event_type: ClassVar[str] = "customer.member.referred"
    subject_field: ClassVar[str] = "member_id"

    member_id: uuid.UUID
    referrer_id: uuid.UUID
    referred_at: datetime
    """When the friend registered (UTC)."""


class MemberUpdated(EventPayload):
    """Some of a member's profile changed; ``changed`` names every profile field that did.

    ``changed`` names ``name``, ``phone`` (with ``phone_hash``), ``email``, ``birthday``,
    ``gender``, ``address``, ``occupation``, ``locale``, ``store_id``, ``restricted``, and
    ``custom_fields.<key>`` for each custom field value set, changed or cleared. Personal
    values are never carried: a service that keeps them reads the member's contact from
    customer when ``changed`` names one it keeps. ``phone_hash`` (the new number's keyed
    lookup hash), ``locale`` and ``store_id`` travel in clear. Events published before
    carried ``*_encrypted`` values (and the E.164 upgrade's a ``phone``): they parse, and
    those fields are dropped.

    Brand classification (客户分类) travels in clear (ids, no personal data), one event per
    member whose classification changed: ``tags`` in ``changed`` with ``tags_added`` and
    ``tags_removed`` (tag ids; a difference, not the whole set, so changes of different
    tags commute), ``category`` in ``changed`` with ``category_id`` (the member's one
    category now; ``None``: none). These do not move ``version`` (``None`` on them).
    """

    event_type: ClassVar[str] = "customer.member.updated"
    subject_field: ClassVar[str] = "member_id"

    member_id: uuid.UUID
    changed: tuple[str, ...]
    phone_hash: str | None = None
    locale: Locale | None = None
    store_id: uuid.UUID | None = None
    version: int | None = None
    """The profile's version after this change (the ``ETag`` of ``GET /members/{id}``)."""
    tags_added: tuple[uuid.UUID, ...] = ()
    tags_removed: tuple[uuid.UUID, ...] = ()
    category_id: uuid.UUID | None = None
    updated_at: datetime


class MemberConsentChanged(EventPayload):
    """The member's consent per channel is now ``consent`` (both channels, as set).

    Messaging applies it before its next send: a channel without consent gets no new
    message and its queued ones are cancelled."""

    event_type: ClassVar[str] = "customer.member.consent_changed"
    subject_field: ClassVar[str] = "member_id"

    member_id: uuid.UUID
    consent: ChannelConsent
    marketing: ChannelConsent | None = None
    """Consent to marketing messages per channel (a marketing message needs both); absent
    on events from before it: read with :func:`marketing_or_channel`."""
    changed_at: datetime
    privacy_policy_version: str | None = None


class MemberCardReissued(EventPayload):
    """A lost card was replaced (挂失补卡): ``card_number`` is the member's card from now
    on; ``previous_card_number`` names nobody any more (card numbers are never reused)."""

    event_type: ClassVar[str] = "customer.member.card_reissued"
    subject_field: ClassVar[str] = "member_id"

    member_id: uuid.UUID
    card_number: str
    previous_card_number: str
    reissued_at: datetime


class MemberDeactivated(EventPayload):
    """The member is inactive from ``deactivated_at`` on: no service messages them, and
    their card and phone stop naming them at tills."""

    event_type: ClassVar[str] = "customer.member.deactivated"
    subject_field: ClassVar[str] = "member_id"

    member_id: uuid.UUID
    deactivated_at: datetime


class MemberReactivated(EventPayload):
    """A deactivated member is active again from ``reactivated_at``: their card and phone
    (``phone_hash``, the lookup hash of their E.164 number, which no one else took while
    they were inactive) name them at tills again, and messaging may reach them as their
    consent allows."""

    event_type: ClassVar[str] = "customer.member.reactivated"
    subject_field: ClassVar[str] = "member_id"

    member_id: uuid.UUID
    phone_hash: str
    reactivated_at: datetime


class MemberErased(EventPayload):
    """The member was erased (PIPL art. 47) at ``erased_at``: customer keeps only a
    tombstone of their id (so ids elsewhere stay valid), and every service removes or
    anonymises what it holds about them, its retained outbox rows and dead letters
    included. Ids only. Published once per member."""

    event_type: ClassVar[str] = "customer.member.erased"
    subject_field: ClassVar[str] = "member_id"

    member_id: uuid.UUID
    erased_at: datetime


class SigninCodeRequested(EventPayload):
    """A one-time sign-in code to send by SMS (messaging's ``signin_code``, transactional).

    The one event with a personal value: a phone with no member yet (a sign-up) cannot be
    read from customer, so the number travels, encrypted. The phone number and the code
    travel only encrypted with the PII key (Fernet), for
    messaging to decrypt and send: neither is readable in customer's outbox or the
    broker's log. ``member_id`` is the phone's member, or, for a phone without one, the
    id the member signing up with this code will get. The code is good until
    ``expires_at``; messaging sends nothing once it has passed."""

    event_type: ClassVar[str] = "customer.signin.code_requested"
    subject_field: ClassVar[str] = "member_id"

    member_id: uuid.UUID
    phone_encrypted: str
    code_encrypted: str
    purpose: Literal["sign_in", "sign_up"]
    locale: Locale = "zh-CN"
    expires_at: datetime
    requested_at: datetime


class HouseholdEvent(EventPayload):
    """Base of the events about a household (家庭): its subject and Kafka key are the
    household, not the member, so that one household's events are normally consumed in the
    order they happened. Only ``version`` orders one member's changes for certain."""

    subject_field: ClassVar[str] = "household_id"

    household_id: uuid.UUID
    member_id: uuid.UUID
    """The member who joined or left (for ``created``, the head)."""
    version: int | None = None
    """The member's household membership version after this change: 1 for their first
    opening, joining or leaving, one more for each after it, counted by customer in the
    change's transaction. A member's changes of two households travel on two partitions,
    and a broker that lost its log can deliver even one household's changes out of order,
    so a consumer applies a member's changes in this order. None on events published
    before versions existed."""

    @property
    def partition_key(self) -> str:
        return str(self.household_id)


class HouseholdCreated(HouseholdEvent):
    """A household was opened with its head (``member_id``) as its first member."""

    event_type: ClassVar[str] = "customer.household.created"

    created_at: datetime


class HouseholdJoined(HouseholdEvent):
    """A member joined a household (added by their card number)."""

    event_type: ClassVar[str] = "customer.household.joined"

    joined_at: datetime


class HouseholdLeft(HouseholdEvent):
    """A member left a household (removed by their card number). ``dissolved``: they were
    its last member (the head leaves last), so the household is now empty."""

    event_type: ClassVar[str] = "customer.household.left"

    left_at: datetime
    dissolved: bool = False


TicketKind = Literal["complaint", "feedback", "suggestion"]
TicketPriority = Literal["urgent", "high", "normal", "low"]


class TicketEvent(EventPayload):
    """Base of the service desk's events: the ticket is the subject; the key is the member
    when the caller is one, else the ticket. Ids, kinds and times only: a ticket's
    description, resolution and notes stay encrypted in customer's tables."""

    subject_field: ClassVar[str] = "ticket_id"

    ticket_id: uuid.UUID
    member_id: uuid.UUID | None = None
    """None for an anonymous caller."""
    kind: TicketKind
    priority: TicketPriority


class TicketEscalated(TicketEvent):
    """A ticket passed its SLA unresolved and was escalated (自动升级) to ``escalated_to``
    (a staff role). Once per ticket, by customer's escalation worker."""

    event_type: ClassVar[str] = "customer.ticket.escalated"

    number: int | None = None
    """The ticket's number, as the desk reads it out (null on events published before it
    was carried)."""
    due_at: datetime
    """When its SLA ended (UTC)."""
    escalated_at: datetime
    escalated_to: str
    assignee: str | None = None
    """The staff subject who held it, if it was assigned."""


class TicketResolved(TicketEvent):
    """A ticket was resolved; messaging sends the member a satisfaction survey."""

    event_type: ClassVar[str] = "customer.ticket.resolved"

    number: int
    """The ticket's number, in recording order, as the desk reads it out."""
    resolved_at: datetime
    overdue: bool
    """Resolved after its SLA's due time."""


class TicketSurveyed(TicketEvent):
    """The member answered the satisfaction survey of a resolved ticket (once)."""

    event_type: ClassVar[str] = "customer.ticket.surveyed"

    score: int
    """1 (very dissatisfied) to 5 (very satisfied)."""
    answered_at: datetime
