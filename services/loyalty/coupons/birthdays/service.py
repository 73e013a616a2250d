"""Use cases of birthday coupons: the program's birthday definition, members' birthdays
read from customer on their registration and profile edits, and the daily grant. The setting and the
birthdays flush, never commit; the daily job commits its own batches (see :mod:`shared.jobs`)."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from datetime import datetime

from services.loyalty.coupons import repository as coupons
from services.loyalty.coupons.birthdays import domain, repository
from services.loyalty.coupons.birthdays.schemas import BirthdayCouponIn, BirthdayCouponOut
from services.loyalty.coupons.errors import CouponDefinitionNotFound
from services.loyalty.coupons.service import try_issue
from shared.contacts import MemberContacts
from shared.db import AsyncSession, Sessions, transaction
from shared.events.customer import MemberUpdated
from shared.inputs import input_defaults

log = logging.getLogger(__name__)

BATCH = 200
"""Members per transaction of the daily grant."""


async def record_birthday(
    session: AsyncSession, member_id: uuid.UUID, contacts: MemberContacts
) -> None:
    """A registering member's birthday: its month and day (not the year) as customer has
    it now (``GET /members/{id}/contact``: events carry ids only) are kept for birthday
    coupons; none on file, or a member customer no longer knows (erased), keeps nothing.
    Reading it now makes a replay write the same. Raises
    :class:`shared.contacts.ContactUnavailable` (transient: the event is retried) when
    customer cannot answer."""
    contact = await contacts.fetch(member_id)
    if contact is not None and contact.birthday is not None:
        await repository.record(session, member_id, contact.birthday.month, contact.birthday.day)


async def forget(session: AsyncSession, member_id: uuid.UUID) -> None:
    """Forgets the member's birthday (their erasure): no birthday coupon for them again."""
    await repository.forget(session, member_id)


async def apply_update(
    session: AsyncSession, updated: MemberUpdated, contacts: MemberContacts
) -> None:
    """A profile edit that changed the birthday (``birthday`` in ``changed``) reads it from
    customer: its month and day replace the ones kept; none (removed, or the member no
    longer known) forgets them, and the member gets no birthday coupon until one is set
    again. Other edits change nothing and read nothing. Raises
    :class:`shared.contacts.ContactUnavailable` as :func:`record_birthday` does."""
    if "birthday" not in updated.changed:
        return
    contact = await contacts.fetch(updated.member_id)
    if contact is None or contact.birthday is None:
        await repository.forget(session, updated.member_id)
        return
    born = contact.birthday
    await repository.record(session, updated.member_id, born.month, born.day)


async def get_setting(session: AsyncSession) -> BirthdayCouponOut:
    row = await repository.setting(session)
    if row is None:
        return BirthdayCouponOut(definition_id=None, updated_at=None, updated_by=None)
    return BirthdayCouponOut.model_validate(row, from_attributes=True)


async def set_setting(
    session: AsyncSession, body: BirthdayCouponIn, *, by: str
) -> BirthdayCouponOut:
    """Raises :class:`CouponDefinitionNotFound` (404) for an unknown definition."""
    if body.definition_id is None:
        await repository.clear(session)
    elif await coupons.definition(session, body.definition_id) is None:
        raise CouponDefinitionNotFound(
            f"No coupon definition {body.definition_id}", field="definition_id"
        )
    else:
        await repository.set_definition(session, body.definition_id, by)
    return await get_setting(session)


async def grant_birthday_coupons(sessions: Sessions, now: datetime, batch: int = BATCH) -> int:
    """Grants the birthday definition to every member whose birthday the brand's day of
    ``now`` celebrates (see :func:`domain.celebrated_on`), once per member and year (grant
    key ``birthday-<year>``), a batch of members per transaction; how many coupons it
    granted or found granted. A member it cannot grant to (no account, the per-member
    limit, the quantity) is logged and skipped; a run again grants nothing twice."""
    day = now.astimezone(input_defaults().business_timezone).date()
    async with sessions() as session:
        setting = await repository.setting(session)
    if setting is None:
        return 0
    granted = 0
    refused: Counter[str] = Counter()
    after: uuid.UUID | None = None
    while True:
        async with transaction(sessions) as session:
            definition = await coupons.definition(session, setting.definition_id)
            assert definition is not None  # a foreign key keeps it
            members = await repository.born_on(
                session, domain.celebrated_on(day), after=after, limit=batch
            )
            for member_id in members:
                outcome = await try_issue(
                    session, definition, member_id, domain.grant_key(day), now, "birthday"
                )
                if isinstance(outcome, str):
                    refused[outcome] += 1
                else:
                    granted += 1
        if len(members) < batch:
            if refused:
                log.warning("birthday coupons of %s refused: %s", day, dict(refused))
            return granted
        after = members[-1]
