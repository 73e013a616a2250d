"""Use cases of custom fields: definitions by staff, members' values, search filters.
They flush, never commit: the caller owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select
from sqlalchemy.exc import IntegrityError

from services.customer.fields import domain, repository
from services.customer.fields.domain import Definition, Filter, Refused, Stored
from services.customer.fields.errors import (
    CustomFieldDefinitionInvalid,
    CustomFieldExists,
    CustomFieldFilterInvalid,
    CustomFieldInUse,
    CustomFieldNotFound,
    CustomFieldRetired,
    CustomValueInvalid,
)
from services.customer.fields.models import CustomField
from services.customer.fields.schemas import FieldChange, FieldCreate, FieldOut, FieldPage
from services.customer.members.domain import mask_text
from services.customer.members.models import Member
from shared.crypto import PiiCipher
from shared.db import AsyncSession
from shared.pagination import PageKey, encode_cursor

FILTER_PREFIX = "field."
MAX_FILTERS = 5


def to_out(field: CustomField) -> FieldOut:
    return FieldOut.model_validate(field, from_attributes=True)


def _definition(field: CustomField) -> Definition:
    return Definition(
        key=field.key,
        type=field.type,  # type: ignore[arg-type]  # the column's CHECK keeps it a FieldType
        required=field.required,
        searchable=field.searchable,
        choices=tuple(choice["code"] for choice in field.choices),
        max_length=field.max_length,
        minimum=field.minimum,
        maximum=field.maximum,
        active=field.status == "active",
    )


def _checked_definition(rules: FieldCreate) -> None:
    try:
        domain.check_definition(
            rules.type,
            choices=[choice.code for choice in rules.choices],
            max_length=rules.max_length,
            minimum=rules.minimum,
            maximum=rules.maximum,
        )
    except Refused as refused:
        raise CustomFieldDefinitionInvalid(refused.reason, field=refused.field) from refused


async def define(session: AsyncSession, body: FieldCreate) -> FieldOut:
    """Defines a field. Raises :class:`CustomFieldDefinitionInvalid` (422) and
    :class:`CustomFieldExists` (409, also for a retired field's key)."""
    _checked_definition(body)
    taken = CustomFieldExists(
        f"A custom field {body.key!r} exists already (retired keys stay taken): choose "
        "another key, or change it with PATCH /custom-fields/{key}",
        field="key",
    )
    if await repository.get(session, body.key) is not None:
        raise taken
    field = CustomField(**body.model_dump(by_alias=True, mode="json"))
    try:
        async with session.begin_nested():
            session.add(field)
    except IntegrityError as exc:  # a concurrent definition of the same key won
        raise taken from exc
    return to_out(field)


async def list_fields(
    session: AsyncSession, limit: int, after: PageKey | None, status: str | None
) -> FieldPage:
    """Up to ``limit`` definitions in the order they were made, after ``after``."""
    found = await repository.page(session, limit + 1, after, status)
    last = found[limit - 1] if len(found) > limit else None
    return FieldPage(
        items=[to_out(field) for field in found[:limit]],
        next_cursor=encode_cursor(last.created_at, last.id) if last else None,
    )


async def _field(session: AsyncSession, key: str, *, lock: bool = False) -> CustomField:
    field = await repository.get(session, key, lock=lock)
    if field is None:
        raise CustomFieldNotFound(f"No custom field {key!r}", field="key", where="path")
    return field


async def get_field(session: AsyncSession, key: str) -> FieldOut:
    """The definition ``key``; raises :class:`CustomFieldNotFound` (404)."""
    return to_out(await _field(session, key))


async def change(session: AsyncSession, key: str, body: FieldChange) -> FieldOut:
    """Applies a merge patch to the definition ``key``; the new rules apply to values
    written from then on (stored values are not checked again). Setting what is there
    changes nothing.

    Raises :class:`CustomFieldNotFound` (404), :class:`CustomFieldRetired` (409),
    :class:`CustomFieldDefinitionInvalid` (422) and :class:`CustomFieldInUse` (409: a new
    type once a member has a value, or a removed choice a member has).
    """
    field = await _field(session, key, lock=True)
    if field.status == "retired":
        raise CustomFieldRetired(f"Custom field {key!r} was retired", field="key", where="path")
    as_is = to_out(field).model_dump(
        by_alias=True, mode="json", include=set(FieldCreate.model_fields)
    )
    current = FieldCreate.model_validate(as_is)
    wanted = FieldCreate.model_validate(
        as_is | body.model_dump(by_alias=True, mode="json", exclude_unset=True)
    )
    if wanted == current:
        return to_out(field)
    _checked_definition(wanted)
    if wanted.type != current.type and await repository.has_values(session, key):
        raise CustomFieldInUse(
            f"Members have values of {key!r}: its type cannot change any more", field="type"
        )
    removed = {c.code for c in current.choices} - {c.code for c in wanted.choices}
    if removed and (used := await repository.codes_in_use(session, key, removed)):
        raise CustomFieldInUse(
            f"Members have the choice {', '.join(used)}: it cannot be removed", field="choices"
        )
    for name, value in wanted.model_dump(by_alias=True, mode="json", exclude={"key"}).items():
        setattr(field, name, value)
    field.updated_at = datetime.now(UTC)
    await session.flush()
    return to_out(field)


async def retire(session: AsyncSession, key: str) -> FieldOut:
    """Retires ``key``: no longer written, shown or searchable; values kept, the key stays
    taken. Retiring a retired field changes nothing. Raises :class:`CustomFieldNotFound`."""
    field = await _field(session, key, lock=True)
    if field.status != "retired":
        field.status = "retired"
        field.retired_at = field.updated_at = datetime.now(UTC)
        await session.flush()
    return to_out(field)


async def definitions(session: AsyncSession) -> dict[str, Definition]:
    return {field.key: _definition(field) for field in await repository.all_fields(session)}


async def checked_values(
    session: AsyncSession, values: Mapping[str, object] | None, *, registration: bool
) -> dict[str, Stored | None]:
    """``values`` checked against the definitions (see :func:`domain.checked_values`):
    nothing is written. Raises :class:`CustomValueInvalid` (422) naming
    ``custom_fields.<key>``."""
    if not values and not registration:
        return {}
    if values:  # a choice's removal or a new type waits for this write, then sees it
        await repository.share(session, sorted(values))
    try:
        return domain.checked_values(
            await definitions(session), values or {}, registration=registration
        )
    except Refused as refused:
        raise CustomValueInvalid(
            f"custom_fields.{refused.field} {refused.reason}",
            field=f"custom_fields.{refused.field}",
        ) from refused


def _term(cipher: PiiCipher, key: str, form: str) -> str:
    # namespaced by field, so equal texts of two fields (or a phone) hash apart
    return cipher.lookup_hash(f"custom_fields/{key}/{form}")


def _row(cipher: PiiCipher, member: Member, key: str, value: Stored) -> dict[str, Any]:
    text = value.text
    return {
        "field_key": key,
        "member_id": member.id,
        "created_at": member.created_at,
        "text_encrypted": cipher.encrypt(text) if text is not None else None,
        "term": _term(cipher, key, domain.search_form(text)) if text is not None else value.term,
        "number": value.number,
        "day": value.day,
    }


async def write(
    session: AsyncSession, cipher: PiiCipher, member: Member, values: Mapping[str, Stored | None]
) -> tuple[str, ...]:
    """Writes checked ``values`` (``None`` clears) for ``member`` (flushed already) and
    returns the names of those that changed, ``custom_fields.<key>``, in key order."""
    if not values:
        return ()
    stored = {
        row.field_key: Stored(
            text=cipher.decrypt(row.text_encrypted) if row.text_encrypted else None,
            term=None if row.text_encrypted else row.term,
            number=row.number,
            day=row.day,
        )
        for row in await repository.member_values(session, member.id, sorted(values))
    }
    changed = sorted(key for key, value in values.items() if stored.get(key) != value)
    await repository.upsert(
        session,
        [_row(cipher, member, key, value) for key in changed if (value := values[key]) is not None],
    )
    await repository.remove(session, member.id, [key for key in changed if values[key] is None])
    return tuple(f"custom_fields.{key}" for key in changed)


async def shown(
    session: AsyncSession, cipher: PiiCipher, member_id: uuid.UUID, *, masked: bool = False
) -> dict[str, int | str]:
    """The member's values of active fields, by key: text decrypted (with ``masked``, as
    a restricted profile's contact data is, its first character then ``****``), a date
    as ISO."""
    active = {key for key, rules in (await definitions(session)).items() if rules.active}
    values: dict[str, int | str] = {}
    for row in await repository.member_values(session, member_id):
        if row.field_key not in active:
            continue
        if row.text_encrypted is not None:
            text = cipher.decrypt(row.text_encrypted)
            values[row.field_key] = mask_text(text, shown=1) if masked else text
        elif row.term is not None:
            values[row.field_key] = row.term
        elif row.number is not None:
            values[row.field_key] = row.number
        elif row.day is not None:
            values[row.field_key] = row.day.isoformat()
    return dict(sorted(values.items()))


async def filters(
    session: AsyncSession, cipher: PiiCipher, params: Iterable[tuple[str, str]]
) -> list[Filter]:
    """The ``field.<key>=<value>`` query parameters among ``params``, as filters (a text's
    value replaced by its lookup hash). Raises :class:`CustomFieldFilterInvalid` (422)
    naming the parameter: an unknown, retired or unsearchable field, a value its type
    cannot have, a parameter given twice, more than :data:`MAX_FILTERS`."""
    given = [(name, value) for name, value in params if name.startswith(FILTER_PREFIX)]
    if not given:
        return []
    names = [name for name, _ in given]
    if len(given) > MAX_FILTERS or len(set(names)) < len(names):
        repeated = next((name for name in names if names.count(name) > 1), names[-1])
        raise CustomFieldFilterInvalid(
            f"At most {MAX_FILTERS} field.<key> parameters, each once",
            field=repeated,
            where="query",
        )
    known = await definitions(session)
    found: list[Filter] = []
    for name, value in given:
        rules = known.get(name.removeprefix(FILTER_PREFIX))
        try:
            if rules is None:
                raise Refused(name, "names no custom field (GET /custom-fields lists them)")
            if len(value) > domain.MAX_TEXT_LENGTH:
                raise Refused(name, f"is longer than {domain.MAX_TEXT_LENGTH} characters")
            wanted = domain.parse_filter(rules, value)
        except Refused as refused:
            raise CustomFieldFilterInvalid(
                f"{name} {refused.reason}", field=name, where="query"
            ) from refused
        if wanted.hashed and isinstance(wanted.low, str):
            term = _term(cipher, wanted.key, wanted.low)
            wanted = Filter(wanted.key, "term", term, term)
        found.append(wanted)
    return found


COUNT_CAP = 50_000
"""Values counted per filter to find the rarest, which then drives the page. Filters past
the cap tie; the others are then checked on about 50 / (cap / members) rows (1,000 at 1M
members), against counting up to the cap (an index-only range, a few ms once vacuumed)."""


async def rarest_first(
    session: AsyncSession, wanted: list[Filter], after: PageKey | None
) -> list[Filter]:
    """``wanted`` with the filter matching the fewest members after ``after`` first
    (each counted up to :data:`COUNT_CAP`): driving a page by it, the others are checked
    on the fewest rows."""
    if len(wanted) < 2:
        return wanted
    counts = [await repository.count_capped(session, one, after, COUNT_CAP) for one in wanted]
    return [one for _, one in sorted(zip(counts, wanted, strict=True), key=lambda pair: pair[0])]


def conditions(wanted: Iterable[Filter], member_id: Any) -> list[ColumnElement[bool]]:
    """SQL conditions true for a member (its id ``member_id``) matching every filter."""
    return [repository.condition(one, member_id) for one in wanted]


def in_page_order(wanted: Filter, after: PageKey | None) -> Select[datetime, uuid.UUID]:
    """``(created_at, member_id)`` of the members matching ``wanted`` after ``after``, to
    drive a page (see :func:`repository.in_page_order`)."""
    return repository.in_page_order(wanted, after)
