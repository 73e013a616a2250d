"""Search queries of the members table (each page in joining order ``(created_at, id)``),
and each staff user's recently viewed and pinned members."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, delete, exists, func, or_, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from services.customer.categories.models import MemberCategory
from services.customer.members.models import Member
from services.customer.search import domain
from services.customer.search.domain import ANYONE, Scope
from services.customer.search.models import MemberNameGram, PinnedMember, RecentMember
from services.customer.tags.models import MemberTag
from shared.db import AsyncSession
from shared.pagination import PageKey


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def by_number(
    session: AsyncSession,
    *,
    phone_hash: str | None,
    card_number: str | None,
    scope: Scope = ANYONE,
    where: Sequence[ColumnElement[bool]] = (),
) -> list[Member]:
    """The members in ``scope`` whose phone hash is ``phone_hash`` or whose card is
    ``card_number`` (at most two: both columns are unique), of those meeting ``where``."""
    wanted: list[ColumnElement[bool]] = []
    if phone_hash is not None:
        wanted.append(col(Member.phone_hash) == phone_hash)
    if card_number is not None:
        wanted.append(col(Member.card_number) == card_number)
    query = select(Member).where(or_(*wanted), *_within(scope), *where)
    query = query.order_by(col(Member.created_at), col(Member.id))
    return list((await session.scalars(query)).all())


def _within(scope: Scope, driver: _Group | None = None) -> list[ColumnElement[bool]]:
    """Conditions keeping the members in ``scope``, but for the group ``driver`` whose
    rows already drive the query; a store is a condition on the member's row (found by
    ``ix_members_store_created`` when nothing else drives)."""
    within: list[ColumnElement[bool]] = [
        exists().where(group.key == value, group.member == Member.id)
        for group, value in _groups(scope)
        if group is not driver
    ]
    if scope.store_id is not None:
        within.append(col(Member.store_id) == scope.store_id)
    return within


SCAN_CAP = 2000
"""Name pieces read before a longer part of a name falls back to the trigram index."""


async def page(
    session: AsyncSession,
    *,
    name_part: str | None,
    initial: str | None,
    limit: int,
    after: PageKey | None,
    scope: Scope = ANYONE,
    where: Sequence[ColumnElement[bool]] = (),
    driver: Select[Any, Any] | None = None,
) -> list[Member]:
    """Up to ``limit`` members in ``scope`` after ``after`` whose lower-case name contains
    ``name_part`` (already :func:`domain.name_key`) and/or whose surname initial is
    ``initial``, of those meeting ``where`` (custom field filters).

    Without a name part, ``driver`` (``(created_at, member_id)`` rows after ``after``, a
    custom field's values) drives the page in page order.

    A part of one or two characters is a range of ``member_name_grams``' primary key, in
    page order. A longer one walks, in page order, the rarest of its 2-character pieces
    (counted up to :data:`SCAN_CAP` rows) and filters by ``LIKE`` (``%``, ``_``, ``\\``
    escaped): a full page, or a piece with fewer rows than the cap, is the answer; else
    (every piece common, the part rare) the trigram index ``ix_members_name_trgm`` finds
    the few that match. An initial alone is a range of ``ix_members_surname_initial``.
    Without a name part and ``driver``, a tag (else a category) is a range of
    ``member_tags``' (or ``member_categories``') primary key in page order; the rest of
    ``scope`` filters. With a name part, a tag (else a category) with fewer than
    :data:`SCAN_CAP` members after ``after`` drives instead, its rows checked by ``LIKE``:
    a rare tag with a common name part reads the tag's few rows, not the name's many.
    """
    within = [*where, *_within(scope)]
    if name_part is None:
        if driver is not None:
            return await _fetch(session, _driven(driver), initial, limit, within)
        groups = _groups(scope)
        if not groups or initial is not None:
            return await _fetch(session, _members(after), initial, limit, within)
        group, value = groups[0]
        ordered = _in_group(group, value, after, None)
        return await _fetch(session, ordered, initial, limit, [*where, *_within(scope, group)])
    groups = _groups(scope)
    if groups and await _counted(session, *groups[0], after) < SCAN_CAP:
        group, value = groups[0]  # a small tag or category: its rows, checked by name
        query, key = _in_group(group, value, after, None)
        checked = (query.where(_like(name_part)), key)
        return await _fetch(session, checked, initial, limit, [*where, *_within(scope, group)])
    if domain.is_gram(name_part):
        return await _fetch(session, _in_piece(name_part, after, None), initial, limit, within)
    pieces = domain.pieces_of(name_part)
    if pieces:
        piece, covered = await _rarest(session, pieces, after)
        query, key = _in_piece(piece, after, SCAN_CAP)
        found = await _fetch(session, (query.where(_like(name_part)), key), initial, limit, within)
        if len(found) == limit or covered:
            return found
    query, key = _members(after)
    return await _fetch(session, (query.where(_like(name_part)), key), initial, limit, within)


_Key = tuple[ColumnElement[Any], ColumnElement[Any]]
_Ordered = tuple[SelectOfScalar[Member], _Key]


def _like(name_part: str) -> ColumnElement[bool]:
    return func.lower(Member.name).like(f"%{_escaped(name_part)}%", escape="\\")


def _members(after: PageKey | None) -> _Ordered:
    key = cast(_Key, (col(Member.created_at), col(Member.id)))
    query = select(Member)
    if after is not None:
        query = query.where(tuple_(*key) > (after.at, after.id))
    return query, key


@dataclass(frozen=True)
class _Group:
    """A table of (group, member's joining time, member) keyed in that order."""

    key: ColumnElement[Any]
    created_at: ColumnElement[Any]
    member: ColumnElement[Any]


def _group(model: type[object], key: str) -> _Group:
    table = model.__table__  # type: ignore[attr-defined]
    return _Group(table.c[key], table.c.created_at, table.c.member_id)


_GRAMS = _group(MemberNameGram, "gram")
_TAGS = _group(MemberTag, "tag_id")
_CATEGORIES = _group(MemberCategory, "category_id")


def _groups(scope: Scope) -> list[tuple[_Group, uuid.UUID]]:
    """The groups ``scope`` asks for, a tag first (a tag's rows are one per member, a
    category's one per member and level)."""
    groups = [(_TAGS, scope.tag_id), (_CATEGORIES, scope.category_id)]
    return [(group, value) for group, value in groups if value is not None]


def _in_piece(piece: str, after: PageKey | None, cap: int | None) -> _Ordered:
    """Members whose name has ``piece``, after ``after``: the first ``cap`` of them."""
    return _in_group(_GRAMS, piece, after, cap)


def _in_group(group: _Group, value: object, after: PageKey | None, cap: int | None) -> _Ordered:
    """Members in ``group`` ``value`` after ``after``, in page order: the first ``cap``."""
    key = (group.created_at, group.member)
    window = select(*key).where(group.key == value)
    if after is not None:
        window = window.where(tuple_(*key) > (after.at, after.id))
    if cap is not None:
        window = window.order_by(*key).limit(cap)
    rows = window.subquery()
    query = select(Member).join(rows, rows.c.member_id == Member.id)
    ordered: _Key = (rows.c.created_at, rows.c.member_id)
    return query, ordered


def _driven(driver: Select[Any, Any]) -> _Ordered:
    rows = driver.subquery()
    query = select(Member).join(rows, rows.c.member_id == Member.id)
    return query, (rows.c.created_at, rows.c.member_id)


async def _rarest(
    session: AsyncSession, pieces: list[str], after: PageKey | None
) -> tuple[str, bool]:
    """The piece with the fewest members after ``after`` (counted up to the cap), and
    whether it has fewer than the cap."""
    counts = {piece: await _counted(session, _GRAMS, piece, after) for piece in pieces}
    rarest = min(pieces, key=lambda piece: counts[piece])
    return rarest, counts[rarest] < SCAN_CAP


async def _counted(
    session: AsyncSession, group: _Group, value: object, after: PageKey | None
) -> int:
    """How many members ``group`` ``value`` has after ``after``, counted up to the cap."""
    rows = select(group.member).where(group.key == value)
    if after is not None:
        rows = rows.where(tuple_(group.created_at, group.member) > (after.at, after.id))
    capped = rows.limit(SCAN_CAP).subquery()
    return int(await session.scalar(select(func.count()).select_from(capped)) or 0)


async def _fetch(
    session: AsyncSession,
    ordered: _Ordered,
    initial: str | None,
    limit: int,
    where: Sequence[ColumnElement[bool]],
) -> list[Member]:
    query, key = ordered
    query = query.where(*where)
    if initial is not None:
        query = query.where(col(Member.surname_initial) == initial)
    return list((await session.scalars(query.order_by(*key).limit(limit))).all())


async def record_view(session: AsyncSession, staff: str, member_id: uuid.UUID, keep: int) -> None:
    """Makes ``member_id`` the one ``staff`` viewed last and forgets all but their ``keep``
    latest views."""
    await session.execute(
        pg_insert(RecentMember)
        .values(staff=staff, member_id=member_id, viewed_at=func.now())
        .on_conflict_do_update(
            index_elements=["staff", "member_id"], set_={"viewed_at": func.now()}
        )
    )
    kept = (
        select(col(RecentMember.member_id))
        .where(col(RecentMember.staff) == staff)
        .order_by(col(RecentMember.viewed_at).desc(), col(RecentMember.member_id))
        .limit(keep)
    )
    await session.execute(
        delete(RecentMember).where(
            col(RecentMember.staff) == staff, col(RecentMember.member_id).not_in(kept)
        )
    )


async def recent(session: AsyncSession, staff: str) -> list[tuple[Member, datetime]]:
    """The members ``staff`` viewed, the latest first, with when."""
    query = (
        select(Member, col(RecentMember.viewed_at))
        .join(RecentMember, col(RecentMember.member_id) == Member.id)
        .where(col(RecentMember.staff) == staff)
        .order_by(col(RecentMember.viewed_at).desc(), col(RecentMember.member_id))
    )
    return [(member, at) for member, at in (await session.execute(query)).all()]


async def pin(session: AsyncSession, staff: str, member_id: uuid.UUID) -> datetime:
    """Pins ``member_id`` for ``staff`` (again: no change); returns when it was pinned."""
    await session.execute(
        pg_insert(PinnedMember)
        .values(staff=staff, member_id=member_id, pinned_at=func.now())
        .on_conflict_do_nothing(index_elements=["staff", "member_id"])
    )
    query = select(col(PinnedMember.pinned_at)).where(
        col(PinnedMember.staff) == staff, col(PinnedMember.member_id) == member_id
    )
    return (await session.scalars(query)).one()


async def pin_count(session: AsyncSession, staff: str) -> int:
    query = select(func.count()).select_from(PinnedMember).where(col(PinnedMember.staff) == staff)
    return int(await session.scalar(query) or 0)


async def is_pinned(session: AsyncSession, staff: str, member_id: uuid.UUID) -> bool:
    return await session.get(PinnedMember, (staff, member_id)) is not None


async def unpin(session: AsyncSession, staff: str, member_id: uuid.UUID) -> None:
    await session.execute(
        delete(PinnedMember).where(
            col(PinnedMember.staff) == staff, col(PinnedMember.member_id) == member_id
        )
    )


async def pinned(
    session: AsyncSession, staff: str, limit: int, after: PageKey | None
) -> list[tuple[Member, datetime]]:
    """Up to ``limit`` members ``staff`` pinned, in pinning order after ``after``."""
    at, member_id = col(PinnedMember.pinned_at), col(PinnedMember.member_id)
    query = (
        select(Member, at)
        .join(PinnedMember, member_id == Member.id)
        .where(col(PinnedMember.staff) == staff)
        .order_by(at, member_id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(tuple_(at, member_id) > (after.at, after.id))
    return [(member, when) for member, when in (await session.execute(query)).all()]
