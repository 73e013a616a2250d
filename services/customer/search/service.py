"""Use cases of member search. They read only."""

from __future__ import annotations

from services.customer.members.schemas import MemberPage
from services.customer.members.service import to_list_item
from services.customer.search import repository
from services.customer.search.domain import Query
from shared.crypto import PiiCipher
from shared.db import AsyncSession
from shared.pagination import PageKey, encode_cursor


async def search(
    session: AsyncSession,
    cipher: PiiCipher,
    *,
    query: Query | None,
    name_part: str | None,
    initial: str | None,
    limit: int,
    after: PageKey | None,
) -> MemberPage:
    """Members matching ``query`` (a classified ``q``) or the explicit ``name_part``
    (lower-case) and ``initial`` (upper-case letter), ``limit`` at a time in joining order
    after ``after``; contact data masked. A phone or card number gives one page of at
    most two members (the phone's and the card's), without a cursor."""
    if query is not None and query.kind == "number":
        found = await repository.by_number(
            session,
            phone_hash=cipher.phone_hash(query.phone) if query.phone else None,
            card_number=query.card_number,
        )
        return MemberPage(items=[to_list_item(cipher, member) for member in found])
    if query is not None:
        name_part = query.text if query.kind == "name" else None
        initial = query.text if query.kind == "initial" else None
    members = await repository.page(
        session, name_part=name_part, initial=initial, limit=limit + 1, after=after
    )
    more = len(members) > limit
    members = members[:limit]
    last = members[-1] if more and members else None
    return MemberPage(
        items=[to_list_item(cipher, member) for member in members],
        next_cursor=encode_cursor(last.created_at, last.id) if last else None,
    )
