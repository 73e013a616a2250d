"""Customer's events: registrations, updates (tags included), card reissues, consent changes
and deactivations keep the contacts current (and the queued notifications in line with
them); a registration is welcomed, a sign-in code asked for is sent by SMS, a ticket
escalated or resolved is told to its member."""

from __future__ import annotations

from datetime import UTC, datetime

from services.messaging.consumers.notify import Context, follow, log, tell
from services.messaging.contacts import service as contacts
from services.messaging.journeys import service as journeys
from services.messaging.notifications import domain as notifying
from services.messaging.notifications import service as notifications
from shared.contacts import member_contacts
from shared.db import AsyncSession
from shared.events import CloudEvent
from shared.events.customer import (
    MemberCardReissued,
    MemberConsentChanged,
    MemberDeactivated,
    MemberReactivated,
    MemberRegistered,
    MemberUpdated,
    SigninCodeRequested,
    TicketEscalated,
    TicketResolved,
)


async def on_member_registered(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Read the member's contact from customer and keep our own encrypted copy, then
    welcome the member — unless an import brought them in: they are the brand's existing
    customers, and a welcome to each of a spreadsheet's rows would be a bulk send nobody
    chose (nor, after the first purchase messaging sees of them, the new customer's
    welcome). Their birthday greeting is scheduled either way. A member customer no longer
    knows (erased) is nobody to keep or message. Customer not answering raises
    (transient: the event is retried)."""
    registered = event.payload(MemberRegistered)
    contact = await member_contacts(ctx.settings, "messaging").fetch(registered.member_id)
    if contact is None:
        log.info("member %s registered, but customer has no contact for them", event.subject)
        return
    await contacts.record_registration(session, ctx.cipher, registered, contact)
    await journeys.schedule_birthday(session, registered.member_id, datetime.now(UTC))
    if registered.source == "import":
        await journeys.no_welcome(session, registered.member_id)
        return
    await tell(
        session,
        event,
        ctx,
        registered.member_id,
        "welcome",
        {"card_number": registered.card_number},
    )


async def on_member_updated(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Apply what changed to the contact (read from customer), then send what is queued to
    the new addresses (or cancel it, an address removed); a new birthday, or a new phone
    number (its timezone), reschedules the birthday greeting."""
    updated = event.payload(MemberUpdated)
    client = member_contacts(ctx.settings, "messaging")
    await contacts.apply_update(session, ctx.cipher, updated, client)
    await follow(session, ctx, updated.member_id)
    if {"birthday", "phone"} & set(updated.changed):
        await journeys.schedule_birthday(session, updated.member_id, datetime.now(UTC))


async def on_consent_changed(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Keep the consent, then cancel what is queued on a channel without it."""
    changed = event.payload(MemberConsentChanged)
    await contacts.apply_consent(session, changed)
    await follow(session, ctx, changed.member_id)


async def on_card_reissued(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    """Keep the member's new card number (a bulk send's card list finds them by it)."""
    await contacts.apply_card_reissue(session, event.payload(MemberCardReissued))


async def on_member_deactivated(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Mark the contact inactive, then cancel everything queued for the member and their
    birthday greeting."""
    deactivated = event.payload(MemberDeactivated)
    await contacts.apply_deactivation(session, deactivated)
    await follow(session, ctx, deactivated.member_id)
    await journeys.schedule_birthday(session, deactivated.member_id, datetime.now(UTC))


async def on_member_reactivated(session: AsyncSession, event: CloudEvent, _: Context) -> None:
    """Mark the contact active again (nothing was queued for them while inactive), and
    schedule their birthday greeting again."""
    reactivated = event.payload(MemberReactivated)
    await contacts.apply_reactivation(session, reactivated)
    await journeys.schedule_birthday(session, reactivated.member_id, datetime.now(UTC))


async def on_signin_code_requested(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Sends the one-time code by SMS to the phone that asked for it (``signin_code``,
    transactional; its text kept encrypted until sent), unless the code expired while the
    event waited: then it is of no use, and nothing is sent."""
    requested = event.payload(SigninCodeRequested)
    now = datetime.now(UTC)
    if requested.expires_at <= now:
        log.info("sign-in code of event %s expired before it could be sent", event.id)
        return
    await notifications.send_code(
        session,
        ctx.cipher,
        member_id=requested.member_id,
        phone_encrypted=requested.phone_encrypted,
        code=ctx.cipher.decrypt(requested.code_encrypted),
        minutes=notifying.minutes_left(requested.requested_at, requested.expires_at),
        locale=requested.locale,
        trigger_event_id=event.id,
    )


async def on_ticket_escalated(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Tells the member their ticket passed its promised time and went to a manager (an
    anonymous caller's ticket has nobody to tell)."""
    escalated = event.payload(TicketEscalated)
    if escalated.member_id is None:
        return
    await tell(
        session, event, ctx, escalated.member_id, "ticket_escalated", {"number": escalated.number}
    )


async def on_ticket_resolved(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Asks the member to rate the service desk's handling of their ticket (an anonymous
    caller's ticket has nobody to ask)."""
    resolved = event.payload(TicketResolved)
    if resolved.member_id is None:
        return
    url = ctx.settings.ticket_survey_url.replace("{ticket_id}", str(resolved.ticket_id))
    await tell(
        session,
        event,
        ctx,
        resolved.member_id,
        "ticket_survey",
        {"number": resolved.number, "survey_url": url},
    )
