"""Use cases of tags: define, rename, delete, put on and take off members in bulk. They
flush, never commit: the caller owns the transaction.

Every member whose tags change gets one ``customer.member.updated`` (``changed``:
``tags``, with ``tags_added`` or ``tags_removed``); a member who already had (or lacked)
the tag gets none, so a repeated assignment publishes nothing. Deleting a tag takes it off
every member first, each with its event. Assignments hold the tag's row in share mode, a
deletion exclusively, so no assignment lands on a tag being deleted.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from services.customer.base import emit
from services.customer.tags import domain, repository
from services.customer.tags.errors import TagNameTaken, TagNotFound
from services.customer.tags.models import Tag
from services.customer.tags.schemas import (
    Assignment,
    MemberIds,
    TagCreate,
    TagDeleted,
    TagOut,
    TagPage,
    TagPatch,
    TagRef,
)
from shared.db import AsyncSession
from shared.events.customer import MemberUpdated
from shared.pagination import PageKey, encode_cursor


def _taken(name: str) -> TagNameTaken:
    return TagNameTaken(f"A tag named {name!r} exists already (names ignore case)", field="name")


async def create_tag(session: AsyncSession, data: TagCreate) -> TagOut:
    """Defines a tag. Raises :class:`TagNameTaken` (409 naming ``name``)."""
    key = domain.name_key(data.name)
    if await repository.by_key(session, key) is not None:
        raise _taken(data.name)
    tag = Tag(name=data.name, name_key=key, color=data.color)
    await _flush(session, tag)
    return TagOut.model_validate(tag, from_attributes=True)


async def _flush(session: AsyncSession, tag: Tag) -> None:
    session.add(tag)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # a concurrent request took the name
        raise _taken(tag.name) from exc


async def list_tags(session: AsyncSession, limit: int, after: PageKey | None) -> TagPage:
    """Up to ``limit`` tags in creation order after ``after``."""
    tags = await repository.page(session, limit + 1, after)
    last = tags[limit - 1] if len(tags) > limit else None
    return TagPage(
        items=[TagOut.model_validate(t, from_attributes=True) for t in tags[:limit]],
        next_cursor=encode_cursor(last.created_at, last.id) if last else None,
    )


async def _tag(session: AsyncSession, tag_id: uuid.UUID, *, share: bool = False) -> Tag:
    tag = await repository.tag(session, tag_id, lock=not share, share=share)
    if tag is None:
        raise TagNotFound(f"No tag with id {tag_id}", field="tag_id", where="path")
    return tag


async def update_tag(session: AsyncSession, tag_id: uuid.UUID, patch: TagPatch) -> TagOut:
    """Renames or recolours the tag (the same values again change nothing). Members keep
    it, so no member event. Raises :class:`TagNotFound` (404), :class:`TagNameTaken` (409)."""
    tag = await _tag(session, tag_id)
    wanted = patch.model_dump(include=patch.model_fields_set)
    changed = False
    if wanted.get("name") is not None and wanted["name"] != tag.name:
        key = domain.name_key(wanted["name"])
        other = await repository.by_key(session, key)
        if other is not None and other.id != tag.id:
            raise _taken(wanted["name"])
        tag.name, tag.name_key, changed = wanted["name"], key, True
    if "color" in wanted and wanted["color"] != tag.color:
        tag.color, changed = wanted["color"], True
    if changed:
        tag.updated_at = datetime.now(UTC)
        await _flush(session, tag)
    return TagOut.model_validate(tag, from_attributes=True)


async def delete_tag(session: AsyncSession, tag_id: uuid.UUID) -> TagDeleted:
    """Takes the tag off every member (one event each) and deletes it. Raises
    :class:`TagNotFound` (404; also for a repeat)."""
    tag = await _tag(session, tag_id)
    untagged = await repository.remove(session, tag_id, None)
    await _publish(session, untagged, removed=tag_id)
    await session.delete(tag)
    await session.flush()
    return TagDeleted(id=tag_id, untagged=len(untagged))


async def known_members(
    session: AsyncSession, body: MemberIds, *, adding: bool, lock: bool = False
) -> dict[uuid.UUID, datetime]:
    """The members ``body`` names (repeats once): id → joining time; ``lock`` holds their
    rows until the transaction ends. Raises :class:`UnknownMember` and, when ``adding``,
    :class:`MemberInactive` (422 naming ``member_ids.<i>``)."""
    wanted = domain.distinct(body.member_ids)
    found = await repository.members(session, wanted, lock=lock)
    domain.check_members(body.member_ids, {k: v[0] for k, v in found.items()}, adding=adding)
    return {member_id: found[member_id][1] for member_id in wanted}


async def assign(session: AsyncSession, tag_id: uuid.UUID, body: MemberIds) -> Assignment:
    """Puts the tag on the members (set semantics: one who has it is unchanged). Raises
    :class:`TagNotFound` (404), :class:`UnknownMember`, :class:`MemberInactive` (422)."""
    await _tag(session, tag_id, share=True)
    joined = await known_members(session, body, adding=True)
    added = await repository.add(session, tag_id, joined)
    await _publish(session, added, added=tag_id)
    return Assignment(id=tag_id, changed=len(added), unchanged=len(joined) - len(added))


async def unassign(session: AsyncSession, tag_id: uuid.UUID, body: MemberIds) -> Assignment:
    """Takes the tag off the members (one without it is unchanged). Raises
    :class:`TagNotFound` (404) and :class:`UnknownMember` (422)."""
    await _tag(session, tag_id, share=True)
    named = await known_members(session, body, adding=False)
    removed = await repository.remove(session, tag_id, list(named))
    await _publish(session, removed, removed=tag_id)
    return Assignment(id=tag_id, changed=len(removed), unchanged=len(named) - len(removed))


async def _publish(
    session: AsyncSession,
    member_ids: list[uuid.UUID],
    *,
    added: uuid.UUID | None = None,
    removed: uuid.UUID | None = None,
) -> None:
    at = datetime.now(UTC)
    await emit(
        session,
        *(
            MemberUpdated(
                member_id=member_id,
                changed=("tags",),
                tags_added=(added,) if added else (),
                tags_removed=(removed,) if removed else (),
                updated_at=at,
            )
            for member_id in member_ids
        ),
    )


async def tags_of(session: AsyncSession, member_id: uuid.UUID) -> list[TagRef]:
    """The member's tags, by name."""
    return [
        TagRef.model_validate(t, from_attributes=True)
        for t in await repository.tags_of(session, member_id)
    ]


async def exists(session: AsyncSession, tag_id: uuid.UUID) -> bool:
    return await repository.tag(session, tag_id) is not None
