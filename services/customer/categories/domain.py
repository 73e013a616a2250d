"""Pure rules of the category tree: how deep it goes and where a category may move."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from services.customer.categories.errors import CategoryCycle, CategoryTooDeep

MAX_DEPTH = 5
"""Levels of the tree: a root category is at level 1 (零售客户 > 新客户 is two levels)."""


def check_depth(parent_path: Sequence[uuid.UUID], height: int) -> None:
    """Refuses to put a subtree ``height`` levels tall (1: a single category) under the
    parent whose path (root first, itself last; empty: the root) is ``parent_path``:
    :class:`CategoryTooDeep` (422 naming ``parent_id``)."""
    if len(parent_path) + height > MAX_DEPTH:
        raise CategoryTooDeep(
            f"the category would be at level {len(parent_path) + height} of the tree; "
            f"it has at most {MAX_DEPTH}",
            field="parent_id",
            maximum=MAX_DEPTH,
        )


def check_move(category_id: uuid.UUID, parent_path: Sequence[uuid.UUID]) -> None:
    """Refuses to move ``category_id`` under a parent whose path contains it (itself or a
    descendant): :class:`CategoryCycle` (409 naming ``parent_id``)."""
    if category_id in parent_path:
        raise CategoryCycle(
            f"Category {category_id} cannot move under itself or one of its descendants",
            field="parent_id",
        )
