"""Pure rules of custom fields: what a definition may say, what a value of it may be, and
what a ``field.<key>`` search parameter asks for.

Numbers are integers (bounded by ±(2^53 - 1), what a JSON client reads exactly): money is
fen and points are whole here, and a measure with a fraction picks its unit (172.5 cm is
1725 mm), so values compare and index exactly. Dates are ISO calendar days
(``2026-11-30``), 1900-01-01 to 2199-12-31, without a timezone. Text is one line, 1 to
``max_length`` (at most 500) characters after trimming; it is searched by equality of its
search form (NFKC, trimmed, case-folded).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, TypeVar

from pydantic_core import PydanticCustomError

from shared.inputs import JSON_SAFE_INTEGER, SingleLine

FieldType = Literal["text", "number", "date", "choice"]
KEY_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
CHOICE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"
MAX_TEXT_LENGTH = 500
MAX_CHOICES = 100
NUMBER_BOUND = JSON_SAFE_INTEGER
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)
RANGE = ".."
_Bound = TypeVar("_Bound", int, date)
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INTEGER = re.compile(r"[+-]?[0-9]{1,16}")


class Refused(ValueError):
    """Why a definition, value or filter is refused, and the part of it (``field``)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Definition:
    """The rules of one field, as values are checked against them."""

    key: str
    type: FieldType
    required: bool = False
    searchable: bool = False
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    active: bool = True


@dataclass(frozen=True)
class Stored:
    """A value as stored: ``text`` in clear (the service encrypts it and hashes its
    :func:`search_form` into the term), or a choice's ``term``, a ``number``, a ``day``."""

    text: str | None = None
    term: str | None = None
    number: int | None = None
    day: date | None = None


def check_definition(
    type_: FieldType,
    *,
    choices: Sequence[str],
    max_length: int | None,
    minimum: int | None,
    maximum: int | None,
) -> None:
    """Refuses rules that do not fit ``type_``: choices only (and at least one, codes
    unique) for ``choice``, ``max_length`` only for ``text``, ``minimum``/``maximum``
    only for ``number`` and in order."""
    if type_ == "choice" and not choices:
        raise Refused("choices", "a choice field needs at least one choice")
    if type_ != "choice" and choices:
        raise Refused("choices", f"a {type_} field has no choices")
    if len(set(choices)) != len(choices):
        repeated = next(code for code in choices if choices.count(code) > 1)
        raise Refused("choices", f"the choice code {repeated!r} is given twice")
    if type_ != "text" and max_length is not None:
        raise Refused("max_length", f"a {type_} field has no max_length (text only)")
    if type_ != "number" and (minimum is not None or maximum is not None):
        raise Refused("minimum" if minimum is not None else "maximum", "numbers only")
    if minimum is not None and maximum is not None and minimum > maximum:
        raise Refused("minimum", f"the minimum {minimum} is above the maximum {maximum}")


def search_form(text: str) -> str:
    """What a text value is compared in: NFKC, trimmed, case-folded (``Ａb `` → ``ab``)."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


def _text(definition: Definition, raw: object) -> str:
    if not isinstance(raw, str):
        raise Refused(definition.key, "must be text (a JSON string)")
    try:
        return SingleLine(definition.max_length or MAX_TEXT_LENGTH).validate(raw)
    except PydanticCustomError as fault:
        raise Refused(definition.key, fault.message()) from fault


def _number(definition: Definition, raw: object) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise Refused(definition.key, "must be an integer (a JSON number without a fraction)")
    low = definition.minimum if definition.minimum is not None else -NUMBER_BOUND
    high = definition.maximum if definition.maximum is not None else NUMBER_BOUND
    if not low <= raw <= high:
        raise Refused(definition.key, f"must be from {low} to {high}")
    return raw


def _day(key: str, raw: object) -> date:
    if not isinstance(raw, str) or not _ISO_DAY.fullmatch(raw):
        raise Refused(key, "must be a date as YYYY-MM-DD")
    try:
        day = date.fromisoformat(raw)
    except ValueError as wrong:
        raise Refused(key, "is not a date of the calendar") from wrong
    if not FIRST_DAY <= day <= LAST_DAY:
        raise Refused(key, f"must be from {FIRST_DAY} to {LAST_DAY}")
    return day


def _choice(definition: Definition, raw: object) -> str:
    if not isinstance(raw, str) or raw not in definition.choices:
        shown = ", ".join(definition.choices)
        raise Refused(definition.key, f"must be one of the choice codes: {shown}")
    return raw


def value_of(definition: Definition, raw: object) -> Stored:
    """``raw`` (a JSON value) as ``definition`` stores it; raises :class:`Refused`."""
    if definition.type == "text":
        return Stored(text=_text(definition, raw))
    if definition.type == "number":
        return Stored(number=_number(definition, raw))
    if definition.type == "date":
        return Stored(day=_day(definition.key, raw))
    return Stored(term=_choice(definition, raw))


def checked_values(
    definitions: Mapping[str, Definition],
    values: Mapping[str, object],
    *,
    registration: bool,
) -> dict[str, Stored | None]:
    """``values`` (key → JSON value; ``None`` clears) checked against ``definitions``.

    At ``registration`` a ``None`` is left out and every required active field must have
    a value; in an edit ``None`` clears a field, which a required one refuses. An unknown
    or retired key is refused. Raises :class:`Refused` naming the key.
    """
    checked: dict[str, Stored | None] = {}
    for key in sorted(values):
        definition = definitions.get(key)
        if definition is None:
            raise Refused(key, "is not a custom field (GET /custom-fields lists them)")
        if not definition.active:
            raise Refused(key, "was retired: it is no longer written")
        raw = values[key]
        if raw is None:
            if definition.required:
                raise Refused(key, "is required: it cannot be cleared")
            if not registration:
                checked[key] = None
            continue
        checked[key] = value_of(definition, raw)
    if registration:
        for key, definition in sorted(definitions.items()):
            if definition.active and definition.required and key not in checked:
                raise Refused(key, "is required")
    return checked


Column = Literal["term", "number", "day"]


@dataclass(frozen=True)
class Filter:
    """``field.<key>=…``: rows of ``key`` whose ``column`` is from ``low`` to ``high``
    (equal when they are the same; ``None``: open). A text's ``low`` is its search form,
    which the service replaces by its lookup hash."""

    key: str
    column: Column
    low: str | int | date | None
    high: str | int | date | None
    hashed: bool = False


def parse_filter(definition: Definition, text: str) -> Filter:
    """What ``field.<key>=text`` asks for; raises :class:`Refused` naming ``field.<key>``.

    Text and choice fields match one value; numbers and dates also ``a..b`` (both ends
    included; ``a..`` or ``..b`` open)."""
    name = f"field.{definition.key}"
    if not definition.active:
        raise Refused(name, "was retired: it is no longer searchable")
    if not definition.searchable:
        raise Refused(name, "is not searchable (its definition says searchable: false)")
    if definition.type == "text":
        form = search_form(_text(Definition(key=name, type="text"), text))
        return Filter(definition.key, "term", form, form, hashed=True)
    if definition.type == "choice":
        code = _choice(Definition(key=name, type="choice", choices=definition.choices), text)
        return Filter(definition.key, "term", code, code)
    low_text, high_text = _ends(text)
    if definition.type == "number":
        low, high = _integer(name, low_text), _integer(name, high_text)
        return _range(name, definition.key, "number", low, high)
    first = _day(name, low_text) if low_text else None
    last = _day(name, high_text) if high_text else None
    return _range(name, definition.key, "day", first, last)


def _ends(text: str) -> tuple[str, str]:
    if RANGE not in text:
        return text, text
    low, _, high = text.partition(RANGE)
    return low, high


def _range(name: str, key: str, column: Column, low: _Bound | None, high: _Bound | None) -> Filter:
    if low is None and high is None:
        raise Refused(name, "a range needs at least one end (a..b, a.. or ..b)")
    if low is not None and high is not None and low > high:
        raise Refused(name, "the range's first end is after its last")
    return Filter(key, column, low, high)


def _integer(name: str, text: str) -> int | None:
    if not text:
        return None
    if not _INTEGER.fullmatch(text) or abs(int(text)) > NUMBER_BOUND:
        raise Refused(name, f"must be an integer from {-NUMBER_BOUND} to {NUMBER_BOUND}")
    return int(text)
