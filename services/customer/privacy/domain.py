"""Pure rules of erasure: what a member's tombstone keeps.

An erased member's row stays (so the ids other services and the brand's accounts hold
stay valid) with everything personal removed: name, phone, email, birthday, gender,
address, occupation. The unique lookups it had (phone hash, card number) are replaced by
random values no one can type or link to the member, so no till, search or sign-in finds
them again. The referral code stays (a code names nobody once its member is erased).
"""

from __future__ import annotations

from datetime import datetime

from services.customer.members.models import Member
from services.customer.members.repository import ERASED
from shared.privacy import unlinkable

ERASED_TEXT = "(erased)"
"""What a text about an erased member that cannot be empty (a ticket's description) reads."""


def anonymise(member: Member, at: datetime) -> None:
    """Turns ``member`` into the tombstone of an erasure at ``at`` (UTC): personal data
    removed, lookups unlinkable, consent off, ``status`` erased; the profile's
    ``version`` moves on."""
    member.name = ""
    member.surname_initial = None
    member.phone_encrypted = ""
    member.phone_hash = unlinkable(64)
    member.email_encrypted = member.email_hash = None
    member.birthday = member.gender = None
    member.address_encrypted = member.occupation = None
    member.card_number = unlinkable(32)
    member.consent_sms = member.consent_email = False
    member.marketing_sms = member.marketing_email = False
    member.locked = member.restricted = False
    member.status = ERASED
    member.erased_at = member.updated_at = at
    member.version += 1
