"""Named errors of categories, each with a stable problem type."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


class CategoryNotFound(NotFound):
    """A category id in the path names no category."""

    title = "Member category not found"
    slug = "member-category-not-found"


class ParentCategoryNotFound(Unprocessable):
    """``parent_id`` in the body names no category."""

    title = "Parent member category not found"
    slug = "member-category-parent-not-found"


class CategoryNameTaken(Conflict):
    """Another category under the same parent has this name (compared case-insensitively)."""

    title = "Member category name taken"
    slug = "member-category-name-taken"


class CategoryTooDeep(Unprocessable):
    """The category (with the categories under it) would sit deeper than ``MAX_DEPTH``."""

    title = "Member category too deep"
    slug = "member-category-too-deep"


class CategoryCycle(Conflict):
    """A category is moved under itself or one of its descendants."""

    title = "Member category moved under itself"
    slug = "member-category-cycle"


class CategoryNotEmpty(Conflict):
    """A category with members or sub-categories is deleted."""

    title = "Member category not empty"
    slug = "member-category-not-empty"
