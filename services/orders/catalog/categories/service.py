"""Use cases of the category tree: adding, renaming and moving categories, reading the
tree. They flush, never commit; writes take the catalog's lock first."""

from __future__ import annotations

from datetime import UTC, datetime

from services.orders.catalog import repository
from services.orders.catalog import service as catalog
from services.orders.catalog.categories.schemas import (
    CategoryChange,
    CategoryCreate,
    CategoryList,
    CategoryOut,
)
from services.orders.catalog.domain import CategoryTree
from services.orders.catalog.errors import CategoryExists, CategoryNotFound
from services.orders.catalog.models import Category
from shared.db import AsyncSession


def _category_out(tree: CategoryTree, category: Category) -> CategoryOut:
    parent = None if category.parent_id is None else tree.by_id[category.parent_id].code
    return CategoryOut(
        code=category.code,
        name=category.name,
        parent_code=parent,
        lineage=list(tree.lineage(category.id)),
        created_at=category.created_at,
        updated_at=category.updated_at,
    )


async def create_category(session: AsyncSession, data: CategoryCreate) -> CategoryOut:
    """A new category under ``parent_code`` (or at the top). Raises ``CategoryExists``
    (409), ``UnknownCategory``, ``CategoryTooDeep`` (422)."""
    await repository.lock_catalog(session)
    tree = await catalog.category_tree(session)
    if data.code in tree.by_code:
        raise CategoryExists(f"Category {data.code!r} exists already", field="code")
    parent = None if data.parent_code is None else tree.named(data.parent_code, "parent_code")
    tree.check_parent(None, parent)
    parent_id = None if parent is None else parent.id
    category = Category(code=data.code, name=data.name, parent_id=parent_id)
    await repository.add_category(session, category)
    tree = CategoryTree([*tree.by_id.values(), category.node()])
    return _category_out(tree, category)


async def change_category(session: AsyncSession, code: str, data: CategoryChange) -> CategoryOut:
    """Renames the category or moves it (``parent_code`` given, ``null``: to the top). A
    move publishes ``orders.product.changed`` for every product in the moved subtree, whose
    ancestors changed. Raises ``CategoryNotFound`` (404), ``UnknownCategory``,
    ``CategoryLoop``, ``CategoryTooDeep`` (422)."""
    await repository.lock_catalog(session)
    categories = {category.code: category for category in await repository.categories(session)}
    tree = CategoryTree(category.node() for category in categories.values())
    category = categories.get(code)
    if category is None:
        raise CategoryNotFound(f"No category {code!r}", field="code", where="path")
    node = tree.by_code[code]
    now = datetime.now(UTC)
    if data.name is not None and data.name != category.name:
        category.name = data.name
        category.updated_at = now
    if "parent_code" in data.model_fields_set:
        parent = None if data.parent_code is None else tree.named(data.parent_code, "parent_code")
        parent_id = None if parent is None else parent.id
        if parent_id != category.parent_id:
            tree.check_parent(node, parent)
            category.parent_id = parent_id
            category.updated_at = now
            moved = CategoryTree([*tree.by_id.values(), category.node()])
            await catalog.announce_move(session, moved, category.id, now)
    await session.flush()
    tree = CategoryTree([*tree.by_id.values(), category.node()])
    return _category_out(tree, category)


async def list_categories(session: AsyncSession) -> CategoryList:
    """Every category, each top one followed by its subtree."""
    categories = {category.id: category for category in await repository.categories(session)}
    tree = CategoryTree(category.node() for category in categories.values())
    return CategoryList(items=[_category_out(tree, categories[n.id]) for n in tree.in_order()])
