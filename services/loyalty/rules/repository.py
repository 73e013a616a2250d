"""Queries of the earning rule versions, and of the product categories the rules read."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    String,
    any_,
    bindparam,
    func,
    insert,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import col

from services.loyalty.base import product_categories
from services.loyalty.rules.models import EarningRuleVersion
from shared.db import AsyncSession

_versions = EarningRuleVersion.__table__  # type: ignore[attr-defined]
_categories = product_categories.table
_LATEST = (col(EarningRuleVersion.effective_from).desc(), col(EarningRuleVersion.version).desc())


async def in_force_at(session: AsyncSession, when: datetime) -> EarningRuleVersion:
    """The version rating sales made at ``when`` (version 1 is in force since 1970)."""
    query = (
        select(EarningRuleVersion)
        .where(col(EarningRuleVersion.effective_from) <= when)
        .order_by(*_LATEST)
        .limit(1)
    )
    return (await session.scalars(query)).one()


async def latest(session: AsyncSession, limit: int) -> list[EarningRuleVersion]:
    """The versions latest effective first, scheduled ones included."""
    query = select(EarningRuleVersion).order_by(*_LATEST).limit(limit)
    return list((await session.scalars(query)).all())


async def every_version(session: AsyncSession) -> list[EarningRuleVersion]:
    """All versions, earliest effective first."""
    query = select(EarningRuleVersion).order_by(
        col(EarningRuleVersion.effective_from), col(EarningRuleVersion.version)
    )
    return list((await session.scalars(query)).all())


async def add(session: AsyncSession, effective_from: datetime | None, rules: dict[str, Any]) -> int:
    """A new version in force from ``effective_from`` (None: now); its number."""
    query = (
        insert(_versions)
        .values(effective_from=effective_from or func.now(), rules=rules, created_at=func.now())
        .returning(_versions.c.version)
    )
    return int((await session.execute(query)).scalar_one())


async def version(session: AsyncSession, number: int) -> EarningRuleVersion | None:
    return await session.get(EarningRuleVersion, number)


def _ancestors(in_categories: ColumnElement[bool]) -> Select[str, list[str]]:
    return (
        select(
            _categories.c.category,
            func.max(_categories.c.category_ancestors).label("ancestors"),
        )
        .where(in_categories)
        .group_by(_categories.c.category)
    )


_CATEGORIES = bindparam("categories", type_=ARRAY(String))
_ANCESTORS = _ancestors(_categories.c.category == any_(_CATEGORIES))
"""Built once: constructing the statement costs more CPU than running it."""


async def ancestors(session: AsyncSession, categories: Collection[str]) -> dict[str, list[str]]:
    """The ancestors of each category (the top first) as orders' catalog last said, for the
    categories loyalty has a product of."""
    if not categories:
        return {}
    rows = await session.execute(_ANCESTORS, {_CATEGORIES.key: sorted(categories)})
    return {row[0]: list(row[1]) for row in rows}


def ancestors_json(categories: ColumnElement[Sequence[str]]) -> ScalarSelect[dict[str, list[str]]]:
    """What :func:`ancestors` answers for the ``categories`` array, as one ``jsonb`` object
    in a scalar subquery."""
    known = _ancestors(_categories.c.category == any_(categories)).subquery()
    pairs = func.jsonb_object_agg(known.c.category, known.c.ancestors)
    return select(
        func.coalesce(pairs, literal_column("'{}'::jsonb"), type_=JSONB)
    ).scalar_subquery()
