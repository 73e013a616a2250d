"""Keyset pages: a page ends at a key, the next starts after it; the cursor is that key, opaque.

Three kinds of cursor, each parsed strictly so that only text in the exact form the list
writes is accepted (anything else is a 422 naming the ``cursor`` query parameter, with
:data:`NOT_A_CURSOR`, before any query runs). Only the form is checked, not where the text
came from: a well-formed cursor that no page handed out (made up, or another list's of the
same kind) is read as the position it spells, and the page starts after it.

* ``Cursor``: a page ordered by ``(time, id)``; the text is the URL-safe base64 of
  ``<time in UTC, ISO 8601>|<uuid>`` with padding, as :func:`encode_cursor` writes it, and
  it parses into a :class:`PageKey`.
* ``SeqCursor``: a page ordered by a bigint sequence; the text is the decimal position.
* ``IdCursor``: a page ordered by a UUID alone; the text is the last one, lowercase and
  hyphenated as ``str(uuid)`` writes it.

All three are capped at ``MAX_CURSOR_LENGTH`` characters (a 10 MB cursor is refused by its
length alone), and :data:`PageSize` bounds ``limit``. Use them as query parameters:
``cursor: Annotated[Cursor | None, Query(description=...)] = None``, read ``limit + 1``
rows after the key and cut them with :func:`keyset_page`.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from annotated_types import Interval
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from shared.errors import Unprocessable
from shared.inputs.integers import INT64_MAX

MAX_CURSOR_LENGTH = 128
"""Longest cursor accepted; the ones this API writes have 92 (``Cursor``) or 19 characters."""
MAX_PAGE_SIZE = 200

Row = TypeVar("Row")

_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")
_DECIMAL = re.compile(r"[0-9]{1,19}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
NOT_A_CURSOR = "is not in the form of this list's cursors: send a page's next_cursor unchanged"
"""The message of a refused cursor (after the parameter's name, in a 422)."""

PageSize = Annotated[int, Interval(ge=1, le=MAX_PAGE_SIZE)]
"""``limit`` of a page: 1 to 200 items (lax: a query parameter arrives as text)."""


class PageKey:
    """Where a page ended: the last row's time (UTC) and id.

    A plain class: FastAPI takes a query parameter typed as a tuple or a dataclass for
    something else than one value.
    """

    __slots__ = ("at", "id")

    def __init__(self, at: datetime, id: uuid.UUID) -> None:
        self.at = at
        self.id = id

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PageKey) and (self.at, self.id) == (other.at, other.id)

    def __hash__(self) -> int:
        return hash((self.at, self.id))

    def __repr__(self) -> str:
        return f"PageKey({self.at!r}, {self.id!r})"


def encode_cursor(at: datetime, row_id: uuid.UUID) -> str:
    """The cursor of a page that ended at ``(at, row_id)``; ``at`` must be aware."""
    return base64.urlsafe_b64encode(f"{at.astimezone(UTC).isoformat()}|{row_id}".encode()).decode()


def as_key(before: PageKey | None) -> tuple[datetime, uuid.UUID] | None:
    """The ``(time, id)`` a page starts after, for a row comparison; None for a first page."""
    return None if before is None else (before.at, before.id)


def keyset_page(
    rows: Sequence[Row], limit: int, cursor: Callable[[Row], str]
) -> tuple[list[Row], str | None]:
    """A page out of ``rows``, the ``limit + 1`` rows read from where it starts: its first
    ``limit`` and the cursor ``cursor`` writes for its last row (``encode_cursor`` of its
    time and id, or its sequence position), or None when the read found no row after them
    (the last page)."""
    page = list(rows[:limit])
    return page, cursor(page[-1]) if len(rows) > limit else None


def _page_key(cursor: str) -> PageKey:
    """The key ``cursor`` encodes; ``ValueError`` unless it is in the form
    :func:`encode_cursor` writes."""
    if len(cursor) > MAX_CURSOR_LENGTH or not _BASE64URL.fullmatch(cursor):
        raise ValueError("not base64url")
    try:
        text = base64.b64decode(cursor, altchars=b"-_", validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError) as garbled:
        raise ValueError("not base64 of ASCII text") from garbled
    when, _, row_id = text.partition("|")
    key = PageKey(datetime.fromisoformat(when), uuid.UUID(row_id))
    try:
        canonical = encode_cursor(key.at, key.id)
    except OverflowError as beyond:  # an offset that carries the time out of years 1-9999
        raise ValueError("time out of range") from beyond
    if canonical != cursor:  # the one spelling encode_cursor writes, in UTC
        raise ValueError("not in the form this API writes")
    return key


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The ``(time, id)`` of a cursor in the form :func:`encode_cursor` writes, else
    Unprocessable (422)."""
    try:
        key = _page_key(cursor)
    except ValueError as garbage:
        raise Unprocessable(f"cursor {NOT_A_CURSOR}") from garbage
    return key.at, key.id


class _CursorText:
    """A query value parsed by ``parse`` into a page position; see the module."""

    def __init__(
        self, parse: Callable[[str], object], pattern: re.Pattern[str], example: str
    ) -> None:
        self._parse = parse
        self._pattern = pattern
        self._example = example

    def validate(self, value: str) -> object:
        try:
            return self._parse(value)
        except ValueError as garbage:
            raise PydanticCustomError("cursor", NOT_A_CURSOR) from garbage

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(
            self.validate, core_schema.str_schema(max_length=MAX_CURSOR_LENGTH)
        )

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_CURSOR_LENGTH,
            "pattern": f"^{self._pattern.pattern}$",
            "examples": [self._example],
        }


def _position(cursor: str) -> int:
    if not _DECIMAL.fullmatch(cursor) or int(cursor) > INT64_MAX:
        raise ValueError("not a bigint position")
    return int(cursor)


Cursor = Annotated[
    PageKey,
    _CursorText(
        _page_key,
        _BASE64URL,
        encode_cursor(datetime(2026, 11, 23, 6, 30, tzinfo=UTC), uuid.UUID(int=0x2A)),
    ),
]
"""``next_cursor`` of a page ordered by ``(time, id)``, parsed into its :class:`PageKey`."""
SeqCursor = Annotated[int, _CursorText(_position, _DECIMAL, "1042")]
"""``next_cursor`` of a page ordered by a bigint sequence, parsed into that position."""


def _last_id(cursor: str) -> uuid.UUID:
    if not _UUID.fullmatch(cursor):
        raise ValueError("not a UUID as this API writes it")
    return uuid.UUID(cursor)


IdCursor = Annotated[
    uuid.UUID, _CursorText(_last_id, _UUID, "0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11")
]
"""``next_cursor`` of a page ordered by a UUID, parsed into the last one."""
