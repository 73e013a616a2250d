"""Use cases of member search, and of each staff user's recently viewed and pinned
members. They flush, never commit: the caller owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col

from services.customer.categories import service as categories
from services.customer.fields import service as custom_fields
from services.customer.fields.domain import Filter
from services.customer.members import service as members
from services.customer.members.models import Member
from services.customer.members.schemas import MemberPage
from services.customer.members.service import to_list_item
from services.customer.search import repository
from services.customer.search.domain import ANYONE, Query, Scope
from services.customer.search.errors import PinLimitReached, SearchScopeNotFound
from services.customer.search.schemas import StaffMemberItem, StaffMemberPage
from services.customer.tags import service as tags
from shared.crypto import PiiCipher
from shared.db import AsyncSession
from shared.pagination import PageKey, encode_cursor
from shared.tokens import Principal


async def search(
    session: AsyncSession,
    cipher: PiiCipher,
    *,
    query: Query | None,
    name_part: str | None,
    initial: str | None,
    limit: int,
    after: PageKey | None,
    scope: Scope = ANYONE,
    fields: Sequence[Filter] = (),
) -> MemberPage:
    """Members in ``scope`` (a tag, a category with its descendants) matching ``query``
    (a classified ``q``) or the explicit ``name_part`` (lower-case) and ``initial``
    (upper-case letter), and every custom field filter of ``fields``, ``limit`` at a time
    in joining order after ``after``; contact data masked. A phone or card number gives
    one page of at most two members (the phone's and the card's), without a cursor.
    Without a name part, the rarest custom field filter drives the page, else the tag or
    category. Raises :class:`SearchScopeNotFound` (422 naming ``tag`` or ``category``)
    for an id that names none."""
    await _check_scope(session, scope)
    where = custom_fields.conditions(fields, col(Member.id))
    if query is not None and query.kind == "number":
        found = await repository.by_number(
            session,
            phone_hash=cipher.phone_hash(query.phone) if query.phone else None,
            card_number=query.card_number,
            scope=scope,
            where=where,
        )
        return MemberPage(items=[to_list_item(cipher, member) for member in found])
    if query is not None:
        name_part = query.text if query.kind == "name" else None
        initial = query.text if query.kind == "initial" else None
    driver = None
    if fields and name_part is None:  # the rarest field's values, a range in page order
        first, *others = await custom_fields.rarest_first(session, list(fields), after)
        driver = custom_fields.in_page_order(first, after)
        where = custom_fields.conditions(others, col(Member.id))
    members = await repository.page(
        session,
        name_part=name_part,
        initial=initial,
        limit=limit + 1,
        after=after,
        scope=scope,
        where=where,
        driver=driver,
    )
    more = len(members) > limit
    members = members[:limit]
    last = members[-1] if more and members else None
    return MemberPage(
        items=[to_list_item(cipher, member) for member in members],
        next_cursor=encode_cursor(last.created_at, last.id) if last else None,
    )


async def _check_scope(session: AsyncSession, scope: Scope) -> None:
    if scope.tag_id is not None and not await tags.exists(session, scope.tag_id):
        raise SearchScopeNotFound(f"No tag with id {scope.tag_id}", field="tag", where="query")
    if scope.category_id is not None and not await categories.exists(session, scope.category_id):
        raise SearchScopeNotFound(
            f"No category with id {scope.category_id}", field="category", where="query"
        )


RECENT_KEPT = 20
"""Views remembered per staff user: the latest 20 members."""
MAX_PINS = 50
"""Members one staff user may pin at once."""


async def record_view(session: AsyncSession, principal: Principal, member_id: uuid.UUID) -> None:
    """Remembers that staff ``principal`` (its token's ``sub``) viewed ``member_id``; a
    member viewing themself is not remembered."""
    if principal.is_staff:
        await repository.record_view(session, principal.subject, member_id, RECENT_KEPT)


async def recent(session: AsyncSession, cipher: PiiCipher, staff: str) -> StaffMemberPage:
    """The members ``staff`` viewed (at most :data:`RECENT_KEPT`), the latest first."""
    found = await repository.recent(session, staff)
    return StaffMemberPage(items=[_item(cipher, member, at) for member, at in found])


async def pin(
    session: AsyncSession, cipher: PiiCipher, staff: str, member_id: uuid.UUID
) -> StaffMemberItem:
    """Pins ``member_id`` for ``staff``; pinning it again changes nothing. Raises
    :class:`MemberNotFound` (404) and :class:`PinLimitReached` (409) past
    :data:`MAX_PINS`."""
    member = await members.get_member(session, member_id)
    already = await repository.is_pinned(session, staff, member_id)
    if not already and await repository.pin_count(session, staff) >= MAX_PINS:
        raise PinLimitReached(
            f"At most {MAX_PINS} members can be pinned: unpin one first",
            field="member_id",
            where="path",
        )
    return _item(cipher, member, await repository.pin(session, staff, member_id))


async def unpin(session: AsyncSession, staff: str, member_id: uuid.UUID) -> None:
    """Unpins ``member_id`` for ``staff`` (not pinned: nothing to do)."""
    await repository.unpin(session, staff, member_id)


async def pinned(
    session: AsyncSession, cipher: PiiCipher, staff: str, limit: int, after: PageKey | None
) -> StaffMemberPage:
    """The members ``staff`` pinned, in pinning order, ``limit`` at a time after ``after``."""
    found = await repository.pinned(session, staff, limit + 1, after)
    last = found[limit - 1] if len(found) > limit else None
    return StaffMemberPage(
        items=[_item(cipher, member, at) for member, at in found[:limit]],
        next_cursor=encode_cursor(last[1], last[0].id) if last else None,
    )


def _item(cipher: PiiCipher, member: Member, since: datetime) -> StaffMemberItem:
    return StaffMemberItem(**to_list_item(cipher, member).model_dump(), since=since)
