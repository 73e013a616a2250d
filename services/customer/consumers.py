"""What customer consumes: messaging's opt-outs (an unsubscribe link, an SMS reply such as
退订), which become the member's consent change like any other, published to everyone as
``customer.member.consent_changed``."""

from __future__ import annotations

from services.customer.config import Settings
from services.customer.profiles import service as profiles
from shared.db import AsyncSession
from shared.events import CloudEvent
from shared.events.messaging import MemberOptedOut
from shared.inbox import Handler, HandlerContext

Context = HandlerContext[Settings]


async def on_member_opted_out(session: AsyncSession, event: CloudEvent, ctx: Context) -> None:
    """Withdraws the member's marketing consent on the channel, by the member, under the
    privacy policy in force (an opt-out of transactional messages is not a thing a member
    can do: they are the service they joined for)."""
    opted_out = event.payload(MemberOptedOut)
    if opted_out.message_class != "marketing":
        return
    await profiles.opt_out_of_marketing(
        session,
        opted_out.member_id,
        opted_out.channel,
        privacy_policy_version=ctx.settings.privacy_policy_version,
    )


HANDLERS: dict[str, Handler[Context]] = {MemberOptedOut.event_type: on_member_opted_out}
