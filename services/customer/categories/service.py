"""Use cases of the category tree and of members' categories. They flush, never commit.

Changes of the tree's shape (create, move, delete) hold the tree exclusively, assignments
share it, so no assignment reads a path a move is changing and two moves cannot make a
cycle between them. Moving a member into a category publishes one
``customer.member.updated`` (``changed``: ``category``, with ``category_id``) per member
whose category changed; renaming or moving a category changes no member's category id,
so it publishes nothing (the category's path is read from the API).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from services.customer.base import emit
from services.customer.categories import domain, repository
from services.customer.categories.errors import (
    CategoryNameTaken,
    CategoryNotEmpty,
    CategoryNotFound,
    ParentCategoryNotFound,
)
from services.customer.categories.models import Category
from services.customer.categories.schemas import (
    CategoryCreate,
    CategoryOut,
    CategoryPage,
    CategoryPatch,
    CategoryRef,
    PathStep,
)
from services.customer.tags import service as tags
from services.customer.tags.domain import name_key
from services.customer.tags.schemas import Assignment, MemberIds
from shared.db import AsyncSession
from shared.events.customer import MemberUpdated
from shared.pagination import PageKey, encode_cursor


async def create_category(session: AsyncSession, data: CategoryCreate) -> CategoryOut:
    """Adds a category under ``data.parent_id`` (``None``: a root). Raises
    :class:`ParentCategoryNotFound`, :class:`CategoryTooDeep` (422) and
    :class:`CategoryNameTaken` (409)."""
    await repository.lock_tree(session, shared=False)
    above = await _parent_path(session, data.parent_id)
    domain.check_depth(above, 1)
    category = Category(name=data.name, name_key=name_key(data.name), parent_id=data.parent_id)
    await _save(session, category)
    return await _view(session, category)


async def _parent_path(session: AsyncSession, parent_id: uuid.UUID | None) -> list[uuid.UUID]:
    if parent_id is None:
        return []
    path = (await repository.paths(session, [parent_id])).get(parent_id)
    if path is None:
        raise ParentCategoryNotFound(f"No category with id {parent_id}", field="parent_id")
    return [step for step, _ in path]


async def _save(session: AsyncSession, category: Category) -> None:
    """Flushes ``category``; raises :class:`CategoryNameTaken` when a sibling has its name."""
    taken = CategoryNameTaken(
        f"The parent has a category named {category.name!r} already (names ignore case)",
        field="name",
    )
    clash = await repository.sibling_named(session, category.parent_id, category.name_key)
    if clash is not None and clash != category.id:
        raise taken
    session.add(category)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # the tree lock makes this a backstop only
        raise taken from exc


async def _category(session: AsyncSession, category_id: uuid.UUID) -> Category:
    category = await repository.category(session, category_id)
    if category is None:
        raise CategoryNotFound(
            f"No category with id {category_id}", field="category_id", where="path"
        )
    return category


async def update_category(
    session: AsyncSession, category_id: uuid.UUID, patch: CategoryPatch
) -> CategoryOut:
    """Renames and/or moves the category with everything under it (the same values again
    change nothing). Raises :class:`CategoryNotFound` (404), :class:`ParentCategoryNotFound`
    and :class:`CategoryTooDeep` (422), :class:`CategoryCycle` and
    :class:`CategoryNameTaken` (409)."""
    await repository.lock_tree(session, shared=False)
    category = await _category(session, category_id)
    wanted = patch.model_dump(include=patch.model_fields_set)
    changed = False
    if "parent_id" in wanted and wanted["parent_id"] != category.parent_id:
        above = await _parent_path(session, wanted["parent_id"])
        domain.check_move(category.id, above)
        domain.check_depth(above, await repository.height(session, category.id))
        old = await _parent_path(session, category.parent_id)
        await repository.move(session, category.id, old, above)
        category.parent_id, changed = wanted["parent_id"], True
    if wanted.get("name") is not None and wanted["name"] != category.name:
        category.name, category.name_key, changed = wanted["name"], name_key(wanted["name"]), True
    if changed:
        category.updated_at = datetime.now(UTC)
        await _save(session, category)
    return await _view(session, category)


async def delete_category(session: AsyncSession, category_id: uuid.UUID) -> None:
    """Deletes an empty category. Raises :class:`CategoryNotFound` (404; also for a
    repeat) and :class:`CategoryNotEmpty` (409) while it has sub-categories or members."""
    await repository.lock_tree(session, shared=False)
    category = await _category(session, category_id)
    children, members = await repository.is_empty(session, category_id)
    if children or members:
        raise CategoryNotEmpty(
            f"Category {category_id} still has "
            + ("sub-categories" if children else "members")
            + ": move them out first",
            field="category_id",
            where="path",
        )
    await session.delete(category)
    await session.flush()


async def assign(session: AsyncSession, category_id: uuid.UUID, body: MemberIds) -> Assignment:
    """Moves the members into the category, out of the one they were in (one in it already
    is unchanged). Raises :class:`CategoryNotFound` (404), :class:`UnknownMember` and
    :class:`MemberInactive` (422)."""
    await repository.lock_tree(session, shared=True)
    await _category(session, category_id)
    path = (await repository.paths(session, [category_id]))[category_id]
    joined = await tags.known_members(session, body, adding=True, lock=True)
    current = await repository.own_categories(session, list(joined))
    moving = {m: at for m, at in joined.items() if current.get(m) != category_id}
    await repository.place(session, moving, [step for step, _ in path])
    await _publish(session, sorted(moving), category_id)
    return Assignment(id=category_id, changed=len(moving), unchanged=len(joined) - len(moving))


async def unassign(session: AsyncSession, category_id: uuid.UUID, body: MemberIds) -> Assignment:
    """Takes the members out of the category, leaving them in none (one in another
    category, or in none, is unchanged). Raises :class:`CategoryNotFound` (404) and
    :class:`UnknownMember` (422)."""
    await repository.lock_tree(session, shared=True)
    await _category(session, category_id)
    named = await tags.known_members(session, body, adding=False, lock=True)
    current = await repository.own_categories(session, list(named))
    leaving = sorted(m for m in named if current.get(m) == category_id)
    await repository.take_out(session, leaving)
    await _publish(session, leaving, None)
    return Assignment(id=category_id, changed=len(leaving), unchanged=len(named) - len(leaving))


async def _publish(
    session: AsyncSession, member_ids: list[uuid.UUID], category_id: uuid.UUID | None
) -> None:
    at = datetime.now(UTC)
    await emit(
        session,
        *(
            MemberUpdated(
                member_id=member_id, changed=("category",), category_id=category_id, updated_at=at
            )
            for member_id in member_ids
        ),
    )


async def list_categories(session: AsyncSession, limit: int, after: PageKey | None) -> CategoryPage:
    """Up to ``limit`` categories in creation order after ``after``, each with its path."""
    found = await repository.page(session, limit + 1, after)
    last = found[limit - 1] if len(found) > limit else None
    return CategoryPage(
        items=await _views(session, found[:limit]),
        next_cursor=encode_cursor(last.created_at, last.id) if last else None,
    )


async def category_of(session: AsyncSession, member_id: uuid.UUID) -> CategoryRef | None:
    """The member's category with its path from the root, or ``None``."""
    own = (await repository.own_categories(session, [member_id])).get(member_id)
    if own is None:
        return None
    path = (await repository.paths(session, [own]))[own]
    return CategoryRef(id=own, name=path[-1][1], path=_steps(path))


def _steps(path: list[tuple[uuid.UUID, str]]) -> list[PathStep]:
    return [PathStep(id=step, name=name) for step, name in path]


async def _view(session: AsyncSession, category: Category) -> CategoryOut:
    return (await _views(session, [category]))[0]


async def _views(session: AsyncSession, categories: list[Category]) -> list[CategoryOut]:
    paths = await repository.paths(session, [c.id for c in categories])
    return [
        CategoryOut(
            id=c.id,
            name=c.name,
            path=_steps(paths[c.id]),
            parent_id=c.parent_id,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )
        for c in categories
    ]


async def exists(session: AsyncSession, category_id: uuid.UUID) -> bool:
    return await repository.category(session, category_id) is not None
