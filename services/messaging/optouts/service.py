"""Use cases of opt-outs: an unsubscribe link followed, an SMS reply received, a spam
complaint reported by the email provider. Each stops
marketing on its channel at once (the contact copy) and publishes
``messaging.member.opted_out`` for customer, which owns consent. They flush, never
commit: the caller owns the transaction."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from services.messaging.base import emit
from services.messaging.contacts import service as contacts
from services.messaging.notifications import service as notifications
from services.messaging.optouts import domain, repository
from services.messaging.optouts.domain import Unsubscription
from services.messaging.optouts.errors import UnsubscribeLinkInvalid
from services.messaging.optouts.schemas import InboundSmsIn, InboundSmsOut, OptOutOut
from shared.crypto import PiiCipher
from shared.db import AsyncSession
from shared.events.messaging import Channel, MemberOptedOut, OptOutSource

log = logging.getLogger(__name__)


def unsubscribe_token(key: bytes, member_id: uuid.UUID, channel: Channel) -> str:
    """The token of the link that opts ``member_id`` out of marketing on ``channel``."""
    return domain.sign_token(key, Unsubscription(member_id, channel, "marketing"))


def unsubscription_of(key: bytes, token: str) -> Unsubscription:
    """What a link's token names. Raises :class:`UnsubscribeLinkInvalid` (404) for a token
    not signed with ``key``, or one naming a class a member cannot opt out of."""
    named = domain.read_token(key, token)
    if named is None or named.message_class != "marketing":
        raise UnsubscribeLinkInvalid(
            "This unsubscribe link is not valid", field="token", where="path"
        )
    return named


async def unsubscribe(session: AsyncSession, key: bytes, token: str) -> OptOutOut:
    """Follows a one-click unsubscribe link (RFC 8058): the member named by ``token`` gets
    no more marketing on its channel from now on. A repeat changes nothing. Raises
    :class:`UnsubscribeLinkInvalid` (404)."""
    named = unsubscription_of(key, token)
    changed = await _opt_out(
        session, named.member_id, named.channel, "email_link", datetime.now(UTC)
    )
    return OptOutOut(channel=named.channel, message_class=named.message_class, changed=changed)


async def complain(session: AsyncSession, member_id: uuid.UUID, at: datetime) -> bool:
    """The member reported an email as spam (the email provider's complaint, ``at``: when):
    like a followed unsubscribe link, marketing email stops at once and customer is told
    (source ``email_complaint``); whether marketing email was on."""
    return await _opt_out(session, member_id, "email", "email_complaint", at)


async def receive_reply(
    session: AsyncSession, cipher: PiiCipher, provider: str, reply: InboundSmsIn
) -> InboundSmsOut:
    """Stores a member's SMS reply that ``provider`` forwarded, once per its message id (a
    repeat answers what the first did and changes nothing). An opt-out word
    (:data:`domain.OPT_OUT_REPLIES`) turns marketing SMS off for the members with that
    number, found by its lookup hash; any other text is only stored."""
    stored = await repository.add_inbound(
        session,
        {
            "id": uuid.uuid4(),
            "provider": provider,
            "provider_message_id": reply.provider_message_id,
            "sender_hash": cipher.lookup_hash(reply.sender),
            "sender_encrypted": cipher.encrypt(reply.sender),
            "text_encrypted": cipher.encrypt(reply.text),
            "action": "stored",
            "members": 0,
            "received_at": reply.received_at,
            "created_at": datetime.now(UTC),
        },
    )
    inbound = await repository.inbound_by_provider_id(session, provider, reply.provider_message_id)
    if stored and domain.is_opt_out_reply(reply.text):
        members = await contacts.members_by_phone(session, cipher, reply.sender)
        for member_id in members:
            await _opt_out(session, member_id, "sms", "sms_reply", reply.received_at)
        action = "opted_out" if members else "unknown_sender"
        await repository.set_action(session, inbound, action, len(members))
        log.info("SMS reply %s: %s (%d member(s))", inbound.id, action, len(members))
    return InboundSmsOut(id=inbound.id, action=inbound.action, members=inbound.members)


async def _opt_out(
    session: AsyncSession,
    member_id: uuid.UUID,
    channel: Channel,
    source: OptOutSource,
    at: datetime,
) -> bool:
    """Marketing off on ``channel`` now (what is queued of it cancelled), and the event
    for customer if it was on."""
    changed = await contacts.opt_out(session, member_id, channel, at)
    if changed:
        await notifications.cancel_queued_marketing(session, member_id, channel)
        await emit(
            session,
            MemberOptedOut(
                member_id=member_id,
                channel=channel,
                message_class="marketing",
                source=source,
                opted_out_at=at,
            ),
        )
    return changed
