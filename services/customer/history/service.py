"""Use cases of the profile audit. They flush, never commit: the caller owns the
transaction, so a change and its history row are written together or not at all."""

from __future__ import annotations

import uuid
from datetime import datetime

from services.customer.history import repository
from services.customer.history.domain import Action, Actor
from services.customer.history.models import ProfileChange
from services.customer.history.schemas import ProfileChangeOut, ProfileHistory
from shared.db import AsyncSession


def record(
    session: AsyncSession,
    member_id: uuid.UUID,
    action: Action,
    by: Actor,
    at: datetime,
    fields: tuple[str, ...] = (),
) -> None:
    """Adds a line to the member's history: ``action`` by ``by`` at ``at``, naming
    ``fields`` (names only: values never enter the history)."""
    repository.add(
        session,
        ProfileChange(
            member_id=member_id,
            action=action,
            fields=list(fields),
            actor_kind=by.kind,
            actor=by.subject,
            at=at,
        ),
    )


async def history(
    session: AsyncSession, member_id: uuid.UUID, limit: int, before: int | None
) -> ProfileHistory:
    """The member's profile changes, latest first, ``limit`` at a time older than the
    position ``before`` (``next_cursor`` of the previous page)."""
    changes = await repository.page(session, member_id, limit + 1, before)
    last = changes[limit - 1] if len(changes) > limit else None
    return ProfileHistory(
        items=[
            ProfileChangeOut.model_validate(
                {
                    "action": c.action,
                    "fields": c.fields,
                    "actor_kind": c.actor_kind,
                    "actor": c.actor,
                    "at": c.at,
                }
            )
            for c in changes[:limit]
        ],
        next_cursor=str(last.seq) if last else None,
    )
