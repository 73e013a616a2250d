"""Pure rules of the catalog: what categories and products may be, the category tree, what
changed in a product, and how a sale's SKUs are checked against the catalog."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal, Protocol, Self, TypeVar

from services.orders.catalog.errors import (
    CategoryLoop,
    CategoryTooDeep,
    SaleSkuRefused,
    UnknownCategory,
    UnknownSku,
    VoidSku,
)

MAX_SKU = 64
"""Longest SKU, in characters: the length of a sale line's ``sku`` column."""
MAX_PRODUCT_NAME = 200
MAX_CATEGORY_CODE = 32
"""Longest category code; a sale line's ``category`` column (64) holds any."""
MAX_CATEGORY_NAME = 100
MAX_CATEGORY_DEPTH = 5
"""Levels of the category tree: a top category (保健品) is level 1."""
CATEGORY_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
"""Category codes name categories in URL paths, so they hold no ``/``, ``#`` or ``:``."""
CATEGORY_CODE_CHARSET = "letters A-Z, digits and - _ ., starting with a letter or digit"

Status = Literal["active", "void"]
SkuCheck = Literal["auto", "strict", "lenient"]
"""How sales' SKUs are checked: ``strict`` refuses unknown and void SKUs, ``lenient``
accepts them with the category the till sent, ``auto`` is lenient while the catalog is
empty and strict once it has a product (void or not)."""


def sku_check_of(stored: str | None) -> SkuCheck:
    """The setting as stored (a CHECK constraint keeps it one of three; ``None``: never
    set, so the default ``auto``)."""
    if stored == "strict":
        return "strict"
    return "lenient" if stored == "lenient" else "auto"


def status_of(stored: str) -> Status:
    """A product's status as stored (a CHECK constraint keeps it one of two)."""
    return "void" if stored == "void" else "active"


@dataclass(frozen=True)
class CategoryNode:
    id: uuid.UUID
    code: str
    name: str
    parent_id: uuid.UUID | None


class CategoryTree:
    """Every category, to walk up (ancestors) and down (subtrees) without queries."""

    def __init__(self, nodes: Iterable[CategoryNode]) -> None:
        self.by_id: dict[uuid.UUID, CategoryNode] = {node.id: node for node in nodes}
        self.by_code: dict[str, CategoryNode] = {node.code: node for node in self.by_id.values()}
        self._children: dict[uuid.UUID | None, list[CategoryNode]] = {}
        for node in sorted(self.by_id.values(), key=lambda node: node.code):
            self._children.setdefault(node.parent_id, []).append(node)

    def named(self, code: str, field: str, where: str = "body") -> CategoryNode:
        """The category with ``code``; raises :class:`UnknownCategory` (422) naming
        ``field`` (in the body, or where ``where`` says)."""
        node = self.by_code.get(code)
        if node is None:
            raise UnknownCategory(
                f"No category {code!r} in the catalog; create it first (POST /catalog/categories)",
                field=field,
                where=where,
            )
        return node

    def lineage(self, category_id: uuid.UUID) -> tuple[str, ...]:
        """The codes from the top category down to this one, itself included."""
        codes: list[str] = []
        node: CategoryNode | None = self.by_id[category_id]
        while node is not None:
            codes.append(node.code)
            node = None if node.parent_id is None else self.by_id[node.parent_id]
        return tuple(reversed(codes))

    def subtree(self, category_id: uuid.UUID) -> list[CategoryNode]:
        """The category and everything below it, parents before children."""
        found = [self.by_id[category_id]]
        for node in found:  # grows while it is walked
            found.extend(self._children.get(node.id, ()))
        return found

    def in_order(self) -> list[CategoryNode]:
        """Every category, each top one followed by its subtree, siblings by code."""
        return [node for top in self._children.get(None, ()) for node in self.subtree(top.id)]

    def check_parent(self, category: CategoryNode | None, parent: CategoryNode | None) -> None:
        """Whether ``category`` (``None``: a new leaf) may sit under ``parent`` (``None``:
        at the top). Raises :class:`CategoryLoop` or :class:`CategoryTooDeep` (422)."""
        if parent is None:
            parent_depth = 0
        else:
            lineage = self.lineage(parent.id)
            if category is not None and category.code in lineage:
                raise CategoryLoop(
                    f"Category {category.code!r} cannot move under {parent.code!r}, which is "
                    f"{'itself' if parent.id == category.id else 'one of its descendants'}",
                    field="parent_code",
                )
            parent_depth = len(lineage)
        height = 1 if category is None else self._height(category.id)
        if parent_depth + height > MAX_CATEGORY_DEPTH:
            under = "at the top" if parent is None else f"under {parent.code!r}"
            raise CategoryTooDeep(
                f"The category tree has at most {MAX_CATEGORY_DEPTH} levels; {under} this "
                f"would make {parent_depth + height}",
                field="parent_code",
            )

    def _height(self, category_id: uuid.UUID) -> int:
        """Levels from this category down to its deepest descendant, itself counted."""
        children = self._children.get(category_id, ())
        return 1 + max((self._height(child.id) for child in children), default=0)


@dataclass(frozen=True)
class ProductState:
    """What a product is, as an admin sees and sets it (the columns of the CSV file)."""

    sku: str
    name: str
    category: str
    list_price_fen: int
    status: Status

    def changes_to(self, wanted: ProductState) -> tuple[str, ...]:
        """The names of the fields ``wanted`` changes, in their order here."""
        return tuple(
            field.name
            for field in fields(self)
            if getattr(self, field.name) != getattr(wanted, field.name)
        )


@dataclass(frozen=True)
class Listed:
    """A catalog product as a sale sees it: its category code and status."""

    category: str
    status: Status


def is_strict(check: SkuCheck, catalog_has_products: bool) -> bool:
    """Whether sales' SKUs are checked strictly under the ``check`` setting."""
    return check == "strict" or (check == "auto" and catalog_has_products)


class SaleLine(Protocol):
    """A line of a sale as posted (``PurchaseCreate.lines``)."""

    @property
    def sku(self) -> str: ...
    @property
    def category(self) -> str: ...
    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> Self: ...


class Sale(Protocol):
    """A sale as posted (``PurchaseCreate``)."""

    @property
    def lines(self) -> Sequence[SaleLine]: ...
    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> Self: ...


_Sale = TypeVar("_Sale", bound=Sale)


@dataclass(frozen=True)
class KnownProducts:
    """The catalog products among the SKUs of some sales, and whether checks are strict."""

    strict: bool
    by_sku: Mapping[str, Listed]

    def categorised(self, sale: _Sale) -> _Sale:
        """``sale`` with each line of a catalog product in the product's category (what the
        till sent is ignored: the catalog is the reference).

        Strict: an unknown or void SKU is refused with :class:`UnknownSku` or
        :class:`VoidSku` (422), the kind of the first refused line, naming every refused
        line (``lines.2.sku``). Lenient: a SKU the catalog does not know keeps the till's
        category, and a void product is sold like any other.
        """
        refused: list[tuple[int, str]] = []
        kinds: list[type[SaleSkuRefused]] = []
        lines = []
        for index, line in enumerate(sale.lines):
            listed = self.by_sku.get(line.sku)
            if self.strict and (listed is None or listed.status == "void"):
                kind: type[SaleSkuRefused] = UnknownSku if listed is None else VoidSku
                why = "is not in the catalog" if listed is None else "is void (作废)"
                refused.append((index, f"SKU {line.sku!r} {why}"))
                kinds.append(kind)
            elif listed is not None and listed.category != line.category:
                line = line.model_copy(update={"category": listed.category})
            lines.append(line)
        if refused:
            more = f" (and {len(refused) - 1} more line(s), see errors)" if len(refused) > 1 else ""
            raise kinds[0](
                f"lines.{refused[0][0]}.sku: {refused[0][1]}{more}; the catalog checks "
                "SKUs strictly (GET /catalog/policy)",
                lines=refused,
            )
        if all(new is old for new, old in zip(lines, sale.lines, strict=True)):
            return sale
        return sale.model_copy(update={"lines": lines})
