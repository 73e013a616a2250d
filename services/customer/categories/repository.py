"""Queries of the categories tables."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, literal, select, tuple_
from sqlmodel import col

from services.customer.categories.domain import MAX_DEPTH
from services.customer.categories.models import Category, MemberCategory
from shared.db import AsyncSession
from shared.pagination import PageKey

_tree = Category.__table__  # type: ignore[attr-defined]
_under = MemberCategory.__table__  # type: ignore[attr-defined]
_TREE_LOCK = "customer.categories"


async def lock_tree(session: AsyncSession, *, shared: bool) -> None:
    """Holds the tree until the transaction ends: exclusively to change its shape
    (create, move, delete), shared to assign members (who need its paths to stay put)."""
    lock = func.pg_advisory_xact_lock_shared if shared else func.pg_advisory_xact_lock
    await session.execute(select(lock(func.hashtext(_TREE_LOCK))))


async def category(session: AsyncSession, category_id: uuid.UUID) -> Category | None:
    return await session.get(Category, category_id)


async def sibling_named(
    session: AsyncSession, parent_id: uuid.UUID | None, name_key: str
) -> uuid.UUID | None:
    """The category under ``parent_id`` (``None``: a root) with this name, if any."""
    parent = _tree.c.parent_id
    query = select(_tree.c.id).where(
        _tree.c.name_key == name_key, parent.is_(None) if parent_id is None else parent == parent_id
    )
    return await session.scalar(query)


async def page(session: AsyncSession, limit: int, after: PageKey | None) -> list[Category]:
    """Up to ``limit`` categories in creation order, after ``after``."""
    key = (col(Category.created_at), col(Category.id))
    query = select(Category).order_by(*key).limit(limit)
    if after is not None:
        query = query.where(tuple_(*key) > (after.at, after.id))
    return list((await session.scalars(query)).all())


async def paths(
    session: AsyncSession, category_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[uuid.UUID, str]]]:
    """Each category's path, root first, itself last: ``(id, name)`` steps."""
    start = select(
        _tree.c.id.label("origin"),
        _tree.c.id,
        _tree.c.parent_id,
        _tree.c.name,
        literal(0).label("up"),
    ).where(_tree.c.id.in_(category_ids))
    up = start.cte("up", recursive=True)
    up = up.union_all(
        select(up.c.origin, _tree.c.id, _tree.c.parent_id, _tree.c.name, up.c.up + 1)
        .join(up, _tree.c.id == up.c.parent_id)
        .where(up.c.up < MAX_DEPTH)  # a bound, not a rule: the tree lock keeps it acyclic
    )
    found: dict[uuid.UUID, list[tuple[uuid.UUID, str]]] = {}
    rows = await session.execute(
        select(up.c.origin, up.c.id, up.c.name).order_by(up.c.origin, up.c.up.desc())
    )
    for origin, step, name in rows:
        found.setdefault(origin, []).append((step, name))
    return found


async def height(session: AsyncSession, category_id: uuid.UUID) -> int:
    """Levels of the subtree under ``category_id``, itself included (1: no children)."""
    start = select(_tree.c.id, literal(1).label("level")).where(_tree.c.id == category_id)
    down = start.cte("down", recursive=True)
    down = down.union_all(
        select(_tree.c.id, down.c.level + 1)
        .join(down, _tree.c.parent_id == down.c.id)
        .where(down.c.level <= MAX_DEPTH)
    )
    return int(await session.scalar(select(func.max(down.c.level))) or 1)


async def is_empty(session: AsyncSession, category_id: uuid.UUID) -> tuple[bool, bool]:
    """Whether the category has (sub-categories, members)."""
    children = select(_tree.c.id).where(_tree.c.parent_id == category_id).exists()
    members = select(_under.c.member_id).where(_under.c.category_id == category_id).exists()
    row = (await session.execute(select(children, members))).one()
    return bool(row[0]), bool(row[1])


async def own_categories(
    session: AsyncSession, member_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """Of ``member_ids``, those in a category: member id → their category."""
    query = select(_under.c.member_id, _under.c.category_id).where(
        _under.c.member_id.in_(member_ids), _under.c.depth == 0
    )
    return {row[0]: row[1] for row in await session.execute(query)}


async def take_out(session: AsyncSession, member_ids: Sequence[uuid.UUID]) -> None:
    """Takes the members out of their category (and every category above it)."""
    await session.execute(delete(_under).where(_under.c.member_id.in_(list(member_ids))))


async def place(
    session: AsyncSession, joined: dict[uuid.UUID, datetime], path: Sequence[uuid.UUID]
) -> None:
    """Puts the members ``joined`` names (id → joining time) in the last category of
    ``path`` (root first), out of any other: a row for it and each category above it."""
    await take_out(session, list(joined))
    rows = [
        {
            "category_id": step,
            "created_at": at,
            "member_id": member_id,
            "depth": len(path) - 1 - level,
            "assigned_at": func.now(),
        }
        for member_id, at in sorted(joined.items())
        for level, step in enumerate(path)
    ]
    if rows:
        await session.execute(insert(_under).values(rows))


async def move(
    session: AsyncSession,
    category_id: uuid.UUID,
    old_above: Sequence[uuid.UUID],
    new_above: Sequence[uuid.UUID],
) -> None:
    """Re-parents the rows of every member under ``category_id``: the categories above it
    were ``old_above`` and are ``new_above`` (both root first, without it)."""
    inside = select(_under.c.member_id).where(_under.c.category_id == category_id)
    if old_above:
        await session.execute(
            delete(_under).where(
                _under.c.category_id.in_(old_above), _under.c.member_id.in_(inside)
            )
        )
    for level, step in enumerate(new_above):
        above = len(new_above) - level
        rows = select(
            literal(step, _under.c.category_id.type),
            _under.c.created_at,
            _under.c.member_id,
            _under.c.depth + above,
            func.now(),
        ).where(_under.c.category_id == category_id)
        await session.execute(
            insert(_under).from_select(
                ["category_id", "created_at", "member_id", "depth", "assigned_at"], rows
            )
        )
