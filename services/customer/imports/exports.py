"""The member export: every member as a CSV line, contact data masked unless asked for.

Read in keyset pages of :data:`PAGE` members, each in a short session of its own, so an
export of 1,000,000 members streams in constant memory and holds no transaction open.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

from services.customer.members import domain as members_domain
from services.customer.members import repository as members
from services.customer.members.models import Member
from shared.crypto import PiiCipher, mask_email, mask_phone
from shared.db import Sessions
from shared.pagination import PageKey

PAGE = 1000
HEADER = (
    "id",
    "card_number",
    "name",
    "phone",
    "email",
    "birthday",
    "gender",
    "locale",
    "store_id",
    "status",
    "created_at",
)
UNMASKING_ROLES = frozenset({"admin", "service"})
"""Who may ask for contact data in clear (``unmasked``)."""


def _line(cipher: PiiCipher, member: Member, *, unmasked: bool, role: str | None) -> list[str]:
    phone = cipher.decrypt(member.phone_encrypted)
    email = cipher.decrypt(member.email_encrypted) if member.email_encrypted else ""
    clear = unmasked and members_domain.sees_contact(
        restricted=member.restricted, role=role, is_self=False
    )
    if not clear:
        phone, email = mask_phone(phone), mask_email(email) if email else ""
    return [
        str(member.id),
        member.card_number,
        member.name,
        phone,
        email,
        member.birthday.isoformat() if clear and member.birthday else "",
        member.gender or "",
        member.locale,
        str(member.store_id or ""),
        member.status,
        member.created_at.isoformat(),
    ]


async def lines(
    sessions: Sessions, cipher: PiiCipher, *, unmasked: bool, role: str | None
) -> AsyncIterator[str]:
    """The CSV, header first, members in joining order: phone and email masked, birthday
    left empty, unless ``unmasked`` (then in clear, but a restricted profile's only to
    :data:`UNMASKING_ROLES`)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    after: PageKey | None = None
    while True:
        async with sessions() as session:
            page = await members.page(session, PAGE, after)
        writer.writerows(_line(cipher, m, unmasked=unmasked, role=role) for m in page)
        yield out.getvalue()
        out.seek(0)
        out.truncate()
        if len(page) < PAGE:
            return
        after = PageKey(at=page[-1].created_at, id=page[-1].id)
