"""Named errors of the product catalog and of the SKUs sales name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.errors import Conflict, NotFound, ProblemError, Unprocessable


class CategoryNotFound(NotFound):
    """No category has the code named in the path."""

    title = "Category not found"
    slug = "category-not-found"


class ProductNotFound(NotFound):
    """No product has the id named in the path."""

    title = "Product not found"
    slug = "product-not-found"


class CategoryExists(Conflict):
    """A new category's code is already taken by another category."""

    title = "Category code taken"
    slug = "category-exists"


class SkuTaken(Conflict):
    """A new product's SKU is already in the catalog (void products keep their SKU)."""

    title = "SKU taken"
    slug = "sku-taken"


class UnknownCategory(Unprocessable):
    """A product or a category names a category code the catalog does not have."""

    title = "Unknown category"
    slug = "unknown-category"


class CategoryLoop(Unprocessable):
    """A category's new parent is the category itself or one of its descendants."""

    title = "Category loop"
    slug = "category-loop"


class CategoryTooDeep(Unprocessable):
    """The category would sit deeper in the hierarchy than the catalog allows."""

    title = "Category too deep"
    slug = "category-too-deep"


class SaleSkuRefused(Unprocessable):
    """Base of the refusals of a sale's SKUs: every refused line is named in ``errors``."""

    def __init__(self, detail: str, *, lines: Sequence[tuple[int, str]], **extensions: Any):
        first = lines[0][0]
        super().__init__(detail, field=f"lines.{first}.sku", **extensions)
        self.lines = tuple(lines)

    def errors(self, body: str = "body") -> list[dict[str, str]] | None:
        return [
            {"location": f"{body}.lines.{index}.sku", "message": message}
            for index, message in self.lines
        ]


class UnknownSku(SaleSkuRefused):
    """In strict mode, a sale line names a SKU that is not in the catalog."""

    title = "Unknown SKU"
    slug = "unknown-sku"


class VoidSku(SaleSkuRefused):
    """In strict mode, a sale line names a product that is void (作废)."""

    title = "Void SKU"
    slug = "void-sku"


class ImportUnreadable(Unprocessable):
    """A catalog file is neither UTF-8 nor GB18030 text, or is not CSV."""

    title = "Unreadable file"
    slug = "import-unreadable"


class ImportInvalid(Unprocessable):
    """A catalog file has rows (or a header) that cannot be imported: ``row_errors`` lists
    each with its row number, column and problem; nothing was imported."""

    title = "Invalid catalog file"
    slug = "import-invalid"


class ImportTooLarge(ProblemError):
    """A catalog file has more bytes or rows than one import takes; nothing was imported."""

    status = 413
    title = "Catalog file too large"
    slug = "import-too-large"
