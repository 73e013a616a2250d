"""Rules of a member CSV, pure: its header, its charset, and a row as a registration.

The header names columns from :data:`COLUMNS` in any order; ``name`` and ``phone`` are
required, the others optional. A cell is validated exactly as the same field of
``POST /members`` (:class:`MemberCreate`); an empty cell is an absent field. Card numbers
are not imported: the service numbers the cards of imported members in file order, as it
does registrations. ``consent_sms``/``consent_email`` read ``true``/``false`` (also
``1``/``0``, ``yes``/``no``, ``是``/``否``; empty is false).
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO, Literal

from pydantic import ValidationError

from services.customer.members.schemas import MemberCreate

COLUMNS = (
    "name",
    "phone",
    "email",
    "birthday",
    "gender",
    "locale",
    "store_id",
    "consent_sms",
    "consent_email",
)
REQUIRED = ("name", "phone")
Charset = Literal["utf-8", "gb18030"]
CharsetChoice = Literal["auto", "utf-8", "gb18030"]
_TRUE = {"true", "1", "yes", "y", "是"}
_FALSE = {"false", "0", "no", "n", "否", ""}
_SNIFF_BYTES = 1 << 20


class HeaderError(ValueError):
    """The header row is not a member CSV header; the message says why."""


@dataclass(frozen=True)
class CellError:
    """``column`` is a header name, or ``""`` for the row as a whole."""

    column: str
    reason: str


def check_header(header: Sequence[str]) -> tuple[str, ...]:
    """The header's column names (trimmed, lower-cased); raises :class:`HeaderError` for
    an unknown, repeated or missing required column."""
    names = tuple(name.strip().lower() for name in header)
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        raise HeaderError(f"unknown column {unknown[0]!r}: the columns are {', '.join(COLUMNS)}")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise HeaderError(f"column {repeated[0]!r} appears twice")
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise HeaderError(f"the required column {missing[0]!r} is missing")
    return names


def detect_charset(file: BinaryIO) -> Charset:
    """``utf-8`` when the whole file decodes as UTF-8 (with or without a BOM), else
    ``gb18030`` (what Chinese spreadsheets save as "CSV"). Reads the file in 1 MiB chunks
    and rewinds it."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := file.read(_SNIFF_BYTES):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"
    finally:
        file.seek(0)


def python_codec(charset: Charset) -> str:
    """The codec that reads ``charset``: a UTF-8 BOM is dropped."""
    return "utf-8-sig" if charset == "utf-8" else "gb18030"


def _consent(cell: str) -> bool | None:
    value = cell.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


def registration(
    header: Sequence[str], cells: Sequence[str]
) -> tuple[MemberCreate | None, list[CellError]]:
    """The row as the body of a registration, or the errors that keep it from being one."""
    if len(cells) != len(header):
        reason = f"has {len(cells)} cells where the header has {len(header)}"
        return None, [CellError("", reason)]
    fields: dict[str, Any] = {}
    consent: dict[str, bool] = {}
    errors: list[CellError] = []
    for column, cell in zip(header, cells, strict=True):
        if column.startswith("consent_"):
            value = _consent(cell)
            if value is None:
                errors.append(CellError(column, "is not true or false"))
            else:
                consent[column.removeprefix("consent_")] = value
        elif cell.strip():
            fields[column] = cell.strip()
    fields["consent"] = consent
    if errors:
        return None, errors
    try:
        return MemberCreate.model_validate(fields), []
    except ValidationError as exc:
        return None, list(_cell_errors(exc.errors(include_url=False)))


def _cell_errors(errors: Iterable[Any]) -> Iterable[CellError]:
    for error in errors:
        column = "_".join(str(part) for part in error["loc"])
        yield CellError(column if column in COLUMNS else "", error["msg"])
