"""Named errors of categories, each with a stable problem type."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


class CategoryNotFound(NotFound):
    """A category id in the path names no category."""

    title = "Category not found"
    slug = "category-not-found"


class ParentCategoryNotFound(Unprocessable):
    """``parent_id`` in the body names no category."""

    title = "Parent category not found"
    slug = "parent-category-not-found"


class CategoryNameTaken(Conflict):
    """Another category under the same parent has this name (compared case-insensitively)."""

    title = "Category name taken"
    slug = "category-name-taken"


class CategoryTooDeep(Unprocessable):
    """The category (with the categories under it) would sit deeper than ``MAX_DEPTH``."""

    title = "Category too deep"
    slug = "category-too-deep"


class CategoryCycle(Conflict):
    """A category is moved under itself or one of its descendants."""

    title = "Category moved under itself"
    slug = "category-cycle"


class CategoryNotEmpty(Conflict):
    """A category with members or sub-categories is deleted."""

    title = "Category not empty"
    slug = "category-not-empty"
