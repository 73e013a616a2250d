"""A sale's lines with their categories' ancestors, as loyalty knows them from orders'
catalog (``product_categories``): read once per batch of sales holding the program's lock,
and kept across batches while the ``category_ancestors`` token stands (``shared.kept``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from sqlalchemy import ColumnElement, ScalarSelect

from services.loyalty.base import SCHEMA
from services.loyalty.program.service import (
    Program,
    forget_program,
    held_program,
    locked_program,
)
from services.loyalty.rules import repository
from services.loyalty.rules.domain import Line
from shared.db import AsyncSession
from shared.kept import Kept, lock_version


class SoldLine(Protocol):
    """A sale line as orders sends it (or a simulation names it)."""

    @property
    def line_no(self) -> int: ...
    @property
    def sku(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def amount_fen(self) -> int: ...


async def categorised(
    session: AsyncSession, lines: Sequence[SoldLine], total_fen: int
) -> tuple[Line, ...]:
    """The lines with each category's ancestors as loyalty knows them from orders' catalog
    (a category no product names has none); no lines at all are one uncategorised line of
    ``total_fen``. Holding the program (a point change), what is kept
    (:func:`read_categories`); else one statement."""
    if not lines:
        return (Line(0, "", (), total_fen),)
    categories = categories_of(lines)
    held = held_program(session)
    if held is None:
        return with_ancestors(lines, await repository.ancestors(session, categories))
    return with_ancestors(lines, await _kept_ancestors(session, held, categories))


def categories_of(lines: Sequence[SoldLine]) -> set[str]:
    return {line.category for line in lines}


async def read_categories(session: AsyncSession, categories: set[str]) -> None:
    """The ancestors of ``categories`` read once, holding the program's lock (a consumer's
    batch of sales: the categories of all its sales), so that :func:`categorised` sends no
    statement for them; none when every one is kept already."""
    await _kept_ancestors(session, await locked_program(session), categories)


async def lock_for_products(session: AsyncSession) -> None:
    """Before anything else in a batch that carries product changes: the
    ``category_ancestors`` row, which a change of a product's category gives a new token
    (:func:`shared.kept.lock_version`). Batches of two replicas then queue on it, instead
    of one taking it midway while holding a campaign's row the other waits for."""
    await lock_version(session, SCHEMA, "category_ancestors")


def categories_changed(session: AsyncSession) -> None:
    """The transaction wrote ``product_categories``: its next point change reads the
    program's tokens again, its own write's among them (``forget_program``)."""
    forget_program(session)


_ANCESTORS: Kept[dict[str, tuple[str, ...]]] = Kept()
"""The ancestors of each category a batch asked for (none: no product names it), kept
while ``category_ancestors``' tokens stand; a category asked for the first time under them
is read then and added."""
MAX_KEPT_CATEGORIES = 20_000
"""Past this many the kept categories start again (sale lines may name categories no
product is in, which would otherwise add up for as long as the catalog keeps its token)."""


async def _nothing_kept() -> dict[str, tuple[str, ...]]:
    return {}


async def _kept_ancestors(
    session: AsyncSession, program: Program, categories: set[str]
) -> Mapping[str, tuple[str, ...]]:
    """The ancestors of ``categories``, holding the ``program``'s lock: those kept under
    the tokens the lock read, the others read in one statement and kept with them (the
    answer is a copy: another batch's task may start the kept ones again while this one
    reads). Kept as :func:`kept_read` keeps, without looking for the held program again;
    the kept value is a cache that grows under its tokens, each entry read under them."""
    kept = await _ANCESTORS.read(program.version("category_ancestors"), _nothing_kept)
    known = {category: kept[category] for category in categories if category in kept}
    missing = categories - known.keys()
    if missing:
        read = await repository.ancestors(session, missing)
        found = {category: tuple(read.get(category, ())) for category in missing}
        if len(kept) + len(found) > MAX_KEPT_CATEGORIES:
            kept.clear()
        kept.update(found)
        known.update(found)
    return known


def ancestors_query(categories: ColumnElement[Sequence[str]]) -> ScalarSelect[dict[str, list[str]]]:
    """The ancestors of each of the ``categories`` (an array, typically a bind parameter,
    so a statement embedding it is built once) as :func:`categorised` reads them, as one
    scalar subquery (``{category: [ancestor, top first]}``, ``{}`` when none is known), for
    a capability's read that wants them in the same round trip as its own rows."""
    return repository.ancestors_json(categories)


def with_ancestors(
    lines: Sequence[SoldLine], known: Mapping[str, Sequence[str]]
) -> tuple[Line, ...]:
    """The lines with each category's ancestors from ``known`` (top first, as
    :func:`ancestors_query` gives them), nearest first on the line."""
    return tuple(
        Line(
            line.line_no,
            line.sku,
            (line.category, *reversed(known.get(line.category, []))),
            line.amount_fen,
        )
        for line in lines
    )
