"""Queries of the template versions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, text
from sqlalchemy.dialects.postgresql import distinct_on
from sqlmodel import col, select

from services.messaging.templates.models import TemplateVersion
from shared.db import AsyncSession
from shared.inputs.integers import INT32_MAX

Key = tuple[str, str, str]
"""(template, channel, locale)."""


async def generation(session: AsyncSession) -> int:
    """How many versions were ever saved: the table is append-only, so this changes with
    every committed save, whatever order their ids were drawn in."""
    return int(await session.scalar(select(func.count()).select_from(TemplateVersion)) or 0)


async def published(session: AsyncSession) -> list[TemplateVersion]:
    """The highest version of every template, channel and language that has one."""
    query = (
        select(TemplateVersion)
        .ext(
            distinct_on(
                col(TemplateVersion.template),
                col(TemplateVersion.channel),
                col(TemplateVersion.locale),
            )
        )
        .order_by(
            col(TemplateVersion.template),
            col(TemplateVersion.channel),
            col(TemplateVersion.locale),
            col(TemplateVersion.version).desc(),
        )
    )
    return list((await session.scalars(query)).all())


def _of(key: Key) -> list[Any]:
    template, channel, locale = key
    return [
        TemplateVersion.template == template,
        TemplateVersion.channel == channel,
        TemplateVersion.locale == locale,
    ]


async def lock(session: AsyncSession, key: Key) -> None:
    """Saves of one template take turns until the transaction ends, so two at once get
    consecutive versions instead of one failing on the unique version."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"),
        {"name": "messaging.template_versions:" + "/".join(key)},
    )


async def versions(
    session: AsyncSession, key: Key, limit: int, before: int | None
) -> list[TemplateVersion]:
    """Up to ``limit`` versions, newest first, below version ``before`` if given."""
    query = select(TemplateVersion).where(*_of(key))
    if before is not None:
        # a cursor is any bigint; every version is an integer below INT32_MAX
        query = query.where(TemplateVersion.version < min(before, INT32_MAX))
    query = query.order_by(col(TemplateVersion.version).desc()).limit(limit)
    return list((await session.scalars(query)).all())


async def version(session: AsyncSession, key: Key, number: int) -> TemplateVersion | None:
    query = select(TemplateVersion).where(*_of(key), TemplateVersion.version == number)
    return (await session.scalars(query)).first()


async def add(session: AsyncSession, row: TemplateVersion) -> TemplateVersion:
    session.add(row)
    await session.flush()
    return row
