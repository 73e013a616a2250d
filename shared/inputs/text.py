"""Free text and codes from outside: trimmed, bounded, and free of characters that break things.

Every text field of a request is typed ``Annotated[str, SingleLine(n)]``,
``Annotated[str, MultiLine(n)]`` or ``Annotated[str, Code(n)]``. The rules, for all of them:

* Leading and trailing whitespace (what ``str.strip`` removes, including line breaks, the
  ideographic space U+3000 and no-break spaces) is trimmed before anything is checked.
* Lengths are counted after trimming, in characters (code points), the unit of Postgres'
  ``varchar(n)``; ``n`` is at most the column's length.
* A blank value (nothing left but whitespace and the invisible marks allowed below) is
  refused. An optional field says "none" with ``null`` or by leaving it out, never with "".
* Refused everywhere, as they break storage, headers, logs or what a reader sees:
  control characters (Unicode category Cc: NUL, ESC, DEL, the C1 range with NEL U+0085;
  only ``MultiLine`` lets line feeds and tabs through); the line and paragraph separators
  U+2028 and U+2029; lone surrogates (a JSON ``\\ud800`` escape, which pydantic lets
  through a string without length constraints; neither UTF-8, so Postgres, nor orjson, so
  the idempotency fingerprint, can carry one); the bidirectional embeddings, overrides and
  isolates U+202A-U+202E and U+2066-U+2069 (they reorder the text around them, so a name
  can read differently in a mail subject or an SMS than it is stored); and the invisible
  characters that can make text look blank or make two equal-looking values differ
  (soft hyphen U+00AD, Mongolian vowel separator U+180E, zero-width space U+200B, word
  joiner and invisible operators U+2060-U+2064, deprecated format characters
  U+206A-U+206F, byte order mark U+FEFF, interlinear annotation U+FFF9-U+FFFB).
* Allowed although invisible, as real text needs them: zero-width (non-)joiners U+200C and
  U+200D (emoji sequences, Persian and Indic scripts), the direction marks U+200E, U+200F
  and U+061C (mixed Arabic or Hebrew text; unlike overrides they cannot reorder other
  text), the Arabic, Syriac and Kaithi number signs, and the format characters outside the
  Basic Multilingual Plane (emoji tag sequences, musical and hieroglyph format controls).
* Text is kept as typed, without Unicode normalisation (NFC would fold the CJK
  compatibility ideographs some names are written with into other characters).

``SingleLine`` is for anything that can reach a mail header, an SMS or a log line (names,
labels, reasons): no line break or tab inside the value. ``MultiLine`` is for free text
shown as a block (descriptions, benefits, template bodies): line feeds and tabs allowed, a
CRLF or lone CR stored as a line feed. ``Code`` is for identifiers that people
and machines type (SKUs, receipt numbers, card numbers, tier codes): a restricted ASCII
pattern, by default a letter or digit followed by letters, digits and ``- _ . / : # +``, so
a code never starts like a spreadsheet formula or a command-line option.

A refusal is a pydantic error whose ``loc`` names the field and whose message says in plain
words what is wrong and where, e.g. "must be a single line: found a line break (U+000A) at
character 7". The JSON schema carries ``minLength``, ``maxLength`` and a ``pattern`` that
excludes the refused characters (all but lone surrogates, which a portable pattern cannot
name), so a schema-driven fuzzer generates both sides of every rule.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

# Character-class fragments valid both in Python's ``re`` and in ECMA-262, the regular
# expressions of JSON Schema.
_LINE_BREAKS = r"\u000a-\u000d\u0085\u2028\u2029"
_TAB = r"\u0009"
_CONTROLS = r"\u0000-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f"
_BIDI_CONTROLS = r"\u202a-\u202e\u2066-\u2069"
_INVISIBLE = r"\u00ad\u180e\u200b\u2060-\u2064\u206a-\u206f\ufeff\ufff9-\ufffb"
_ALLOWED_MARKS = r"\u061c\u200c-\u200f"
_SURROGATES = r"\ud800-\udfff"

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/#+-]*$"
"""The default charset of a :class:`Code`."""
CODE_CHARSET = "letters A-Z, digits and - _ . / : # +, starting with a letter or digit"

_KINDS: tuple[tuple[str, str], ...] = (
    (_LINE_BREAKS, "a line break"),
    (_TAB, "a tab"),
    (_CONTROLS, "a control character"),
    (_BIDI_CONTROLS, "a bidirectional control character"),
    (_INVISIBLE, "an invisible formatting character"),
    (_SURROGATES, "a lone surrogate"),
)
# Control characters have no name in the Unicode database, only aliases
_CONTROL_NAMES = {
    "\0": "NULL",
    "\t": "CHARACTER TABULATION",
    "\n": "LINE FEED",
    "\r": "CARRIAGE RETURN",
    "\x1b": "ESCAPE",
    "\x7f": "DELETE",
    "\x85": "NEXT LINE",
}


_VISIBLE = re.compile(f"[^\\s{_ALLOWED_MARKS}]")


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _is_in(chars: str, char: str) -> bool:
    return _regex(f"[{chars}]").fullmatch(char) is not None


def _describe(char: str) -> str:
    """``a line break (U+000A LINE FEED)``: a refused character's kind and code point."""
    kind = next(name for chars, name in _KINDS if _is_in(chars, char))
    name = _CONTROL_NAMES.get(char) or unicodedata.name(char, "")
    return f"{kind} (U+{ord(char):04X}{' ' + name if name else ''})"


def _fault(kind: str, message: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError(f"text_{kind}", message, context)


def _within(trimmed: str, min_length: int, max_length: int) -> str:
    """``trimmed`` if it is neither blank nor outside the bounds."""
    if not _VISIBLE.search(trimmed):
        raise _fault("blank", "must not be blank")
    if len(trimmed) > max_length:
        raise _fault(
            "too_long",
            "must be at most {max_length} characters long (after trimming), not {length}",
            max_length=max_length,
            length=len(trimmed),
        )
    if len(trimmed) < min_length:
        raise _fault(
            "too_short",
            "must be at least {min_length} characters long (after trimming), not {length}",
            min_length=min_length,
            length=len(trimmed),
        )
    return trimmed


def _check_bounds(min_length: int, max_length: int) -> None:
    if not 1 <= min_length <= max_length:
        raise ValueError("need 1 <= min_length <= max_length")


def _string_then(validate: Any) -> CoreSchema:
    return core_schema.no_info_after_validator_function(
        validate, core_schema.str_schema(strict=True)
    )


@dataclass(frozen=True)
class _Text:
    """A trimmed string of ``min_length`` to ``max_length`` characters without ``refused``."""

    max_length: int
    min_length: int = 1

    refused: ClassVar[str]
    """The refused characters as a character-class body (lone surrogates come on top)."""
    refused_regex: ClassVar[re.Pattern[str]]
    single_line: ClassVar[bool]

    def __init_subclass__(cls) -> None:
        cls.refused_regex = re.compile(f"[{cls.refused}{_SURROGATES}]")

    def __post_init__(self) -> None:
        _check_bounds(self.min_length, self.max_length)

    def prepare(self, value: str) -> str:
        return value

    def validate(self, value: str) -> str:
        value = self.prepare(value)
        trimmed = value.strip()
        if found := self.refused_regex.search(trimmed):
            char = found.group()
            # counted in the value as sent, before trimming
            position = len(value) - len(value.lstrip()) + found.start() + 1
            if self.single_line and _is_in(_LINE_BREAKS, char):
                raise _fault(
                    "line_break",
                    "must be a single line: found {what} at character {position}",
                    what=_describe(char),
                    position=position,
                )
            raise _fault(
                "forbidden_character",
                "must not contain {what}: found one at character {position}",
                what=_describe(char),
                position=position,
            )
        return _within(trimmed, self.min_length, self.max_length)

    def schema_pattern(self) -> str:
        """Any run of allowed characters with at least one that is not whitespace."""
        allowed = f"[^{self.refused}]"
        visible = f"[^{self.refused}\\s{_ALLOWED_MARKS}]"
        return f"^{allowed}*{visible}{allowed}*$"

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return _string_then(self.validate)

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.update(
            minLength=self.min_length, maxLength=self.max_length, pattern=self.schema_pattern()
        )
        return json_schema


@dataclass(frozen=True)
class SingleLine(_Text):
    """One line of text: no line break or tab, nor any other refused character.

    For names, labels, reasons and anything else that can reach a mail header, an SMS or
    a log line. ``Annotated[str, SingleLine(100)]``: 1 to 100 characters after trimming.
    """

    refused: ClassVar[str] = _LINE_BREAKS + _TAB + _CONTROLS + _BIDI_CONTROLS + _INVISIBLE
    single_line: ClassVar[bool] = True


@dataclass(frozen=True)
class MultiLine(_Text):
    """A block of text: line feeds and tabs allowed, CRLF and lone CR stored as LF.

    For descriptions, benefits and template bodies, never for a header or an SMS sender.
    Other line separators (VT, FF, NEL, U+2028, U+2029) are refused, not converted.
    """

    refused: ClassVar[str] = (
        r"\u000b\u000c\u0085\u2028\u2029" + _CONTROLS + _BIDI_CONTROLS + _INVISIBLE
    )
    single_line: ClassVar[bool] = False

    def prepare(self, value: str) -> str:
        return value.replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class Code:
    """An identifier people and machines type: trimmed, then matched against ``pattern``.

    ``pattern`` is a full-match regular expression valid in Python and ECMA-262 (the
    OpenAPI document carries it); ``charset`` says in words what it allows, for the error.
    The default allows :data:`CODE_CHARSET`. Codes are kept as given (no case folding).
    """

    max_length: int
    pattern: str = CODE_PATTERN
    charset: str = CODE_CHARSET
    min_length: int = 1

    def __post_init__(self) -> None:
        _check_bounds(self.min_length, self.max_length)

    def validate(self, value: str) -> str:
        value = _within(value.strip(), self.min_length, self.max_length)
        if not _regex(self.pattern).fullmatch(value):
            raise PydanticCustomError(
                "code_charset", "may contain only {charset}", {"charset": self.charset}
            )
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return _string_then(self.validate)

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.update(
            minLength=self.min_length, maxLength=self.max_length, pattern=self.pattern
        )
        return json_schema
