"""Catalog files: reading a CSV export of a spreadsheet, planning what it changes, writing
the catalog back as CSV. Pure: bytes in, plans and bytes out.

A file is read as UTF-8 (with or without a byte order mark) when it is valid UTF-8, else as
GB18030 (what Excel writes for "CSV" on a Chinese Windows), else it is refused. The first
row names the columns; rows are numbered as the spreadsheet shows them, the header being
row 1. Columns, in any order, by their English or Chinese header:

=================  ================================  ==============================
column             headers                           cell
=================  ================================  ==============================
SKU                ``sku``, 商品编码                  a code, as sale lines send it
name               ``name``, 品名, 商品名称           one line of text
category           ``category``, 分类, 类别           a category code of the catalog
list price         ``list_price_fen``, 价格(分)       whole fen: ``25800``
                   ``list_price_yuan``, 价格(元), 价格 yuan with up to 2 decimals: ``258.00``
status (optional)  ``status``, 状态                   ``active``/正常 or ``void``/作废;
                                                      blank keeps it (new: active)
=================  ================================  ==============================

Other columns (型号, 规格...) are ignored and named in the answer. Rows whose cells are all
blank are skipped.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from services.orders.catalog.domain import ProductState, Status
from services.orders.catalog.errors import ImportInvalid, ImportTooLarge, ImportUnreadable
from services.orders.catalog.schemas import CategoryCode, ProductName, Sku
from shared.inputs import UnitPriceFen

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
"""Product rows of one file (blank rows not counted)."""
MAX_LISTED_ERRORS = 1000
"""Row errors listed in one answer; the answer says how many there were in all."""

Encoding = Literal["UTF-8", "GB18030"]
Column = Literal["sku", "name", "category", "list_price_fen", "list_price_yuan", "status"]
EXPORT_COLUMNS: tuple[Column, ...] = ("sku", "name", "category", "list_price_fen", "status")

_HEADERS: dict[str, Column] = {
    "sku": "sku",
    "商品编码": "sku",
    "name": "name",
    "品名": "name",
    "商品名称": "name",
    "category": "category",
    "分类": "category",
    "类别": "category",
    "list_price_fen": "list_price_fen",
    "价格(分)": "list_price_fen",
    "list_price_yuan": "list_price_yuan",
    "价格(元)": "list_price_yuan",
    "价格": "list_price_yuan",
    "status": "status",
    "状态": "status",
}
_STATUSES: dict[str, Status] = {
    "active": "active",
    "正常": "active",
    "void": "void",
    "作废": "void",
}
_FEN = re.compile(r"[0-9]{1,11}")
_YUAN = re.compile(r"[0-9]{1,9}(\.[0-9]{1,2})?")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str | None
    """The column's header as written in the file; ``None`` for the row as a whole."""
    problem: str


@dataclass(frozen=True)
class SheetRow:
    row: int
    sku: str
    name: str
    category: str
    list_price_fen: int
    status: Status | None
    """``None``: the file does not say (keep it; a new product is active)."""


@dataclass(frozen=True)
class Sheet:
    """A file read: its encoding, its valid rows and the faults of the others."""

    encoding: Encoding
    byte_order_mark: bool
    columns: Mapping[Column, int]
    """Where each column is, from 0."""
    header: tuple[str, ...]
    ignored_columns: tuple[str, ...]
    rows: tuple[SheetRow, ...]
    errors: tuple[RowError, ...]

    def header_of(self, column: Column) -> str:
        return self.header[self.columns[column]]


@dataclass(frozen=True)
class Planned:
    row: int
    wanted: ProductState
    changes: tuple[str, ...] | None
    """The fields that change; ``None`` for a new product, empty for an unchanged one."""

    @property
    def action(self) -> Literal["created", "updated", "unchanged"]:
        if self.changes is None:
            return "created"
        return "updated" if self.changes else "unchanged"


@dataclass(frozen=True)
class Plan:
    items: tuple[Planned, ...] = field(default=())

    def count(self, action: str) -> int:
        return sum(item.action == action for item in self.items)


def decode(data: bytes) -> tuple[str, Encoding, bool]:
    """The text of a file, its encoding and whether it began with a UTF-8 byte order mark.

    Raises :class:`ImportTooLarge` (413) past ``MAX_IMPORT_BYTES`` and
    :class:`ImportUnreadable` (422) for bytes that are neither UTF-8 nor GB18030.
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportTooLarge(
            f"The file has {len(data)} bytes; one import takes at most {MAX_IMPORT_BYTES}. "
            "Split it; importing the parts one after the other gives the same catalog."
        )
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8", True
        except UnicodeDecodeError as broken:
            raise ImportUnreadable(
                "The file starts with a UTF-8 byte order mark, but byte "
                f"{broken.start + len(codecs.BOM_UTF8)} is not UTF-8; save it again as "
                "'CSV UTF-8'"
            ) from broken
    try:
        return data.decode("utf-8"), "UTF-8", False
    except UnicodeDecodeError as not_utf8:
        try:
            return data.decode("gb18030"), "GB18030", False
        except UnicodeDecodeError as not_gb:
            raise ImportUnreadable(
                f"The file is neither UTF-8 (byte {not_utf8.start} is not) nor GB18030 (byte "
                f"{not_gb.start} is not); save it from the spreadsheet as 'CSV UTF-8' or 'CSV'"
            ) from not_gb


class _Row(BaseModel):
    """A row's cells, checked as the API checks the same fields."""

    model_config = ConfigDict(extra="forbid")

    sku: Sku
    name: ProductName
    category: CategoryCode
    list_price_fen: UnitPriceFen


def read_sheet(data: bytes) -> Sheet:
    """The rows of a catalog file and the faults of its rows, all of them.

    Raises what :func:`decode` raises, :class:`ImportTooLarge` (413) past
    ``MAX_IMPORT_ROWS`` rows, and :class:`ImportInvalid` (422) for a header that lacks a
    column, names one twice, or a file CSV cannot read.
    """
    text, encoding, bom = decode(data)
    records = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(records, None)
        if header is None:
            raise _invalid([RowError(1, None, "the file is empty: row 1 must name the columns")])
        columns, ignored = _columns(header)
        rows: list[SheetRow] = []
        errors: list[RowError] = []
        read = 0
        for number, cells in enumerate(records, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            read += 1
            if read > MAX_IMPORT_ROWS:
                raise ImportTooLarge(
                    f"The file has more than {MAX_IMPORT_ROWS} product rows; split it, "
                    "importing the parts one after the other gives the same catalog"
                )
            row = _row(number, header, columns, cells, errors)
            if row is not None:
                rows.append(row)
    except csv.Error as unreadable:
        raise _invalid([RowError(records.line_num, None, f"not CSV: {unreadable}")]) from None
    return Sheet(encoding, bom, columns, tuple(header), ignored, tuple(rows), tuple(errors))


def _columns(header: Sequence[str]) -> tuple[dict[Column, int], tuple[str, ...]]:
    """Where each known column is, and the headers of the others."""
    found: dict[Column, int] = {}
    ignored: list[str] = []
    errors: list[RowError] = []
    for index, written in enumerate(header):
        # fullwidth brackets and spaces are what a Chinese keyboard types: NFKC folds them
        known = _HEADERS.get(unicodedata.normalize("NFKC", written).strip().casefold())
        if known is None:
            if written.strip():
                ignored.append(written.strip())
        elif known in found:
            problem = f"names the same column as {header[found[known]]!r}"
            errors.append(RowError(1, written, problem))
        else:
            found[known] = index
    prices = [name for name in ("list_price_fen", "list_price_yuan") if name in found]
    if len(prices) > 1:
        errors.append(RowError(1, None, "give the price once: list_price_fen or list_price_yuan"))
    for needed, names in (
        ("sku", "sku or 商品编码"),
        ("name", "name or 品名"),
        ("category", "category or 分类"),
    ):
        if needed not in found:
            errors.append(RowError(1, None, f"needs a column {names}"))
    if not prices:
        errors.append(RowError(1, None, "needs a column list_price_fen or list_price_yuan (价格)"))
    if errors:
        raise _invalid(errors)
    return found, tuple(ignored)


def _row(
    number: int,
    header: Sequence[str],
    columns: Mapping[Column, int],
    cells: Sequence[str],
    errors: list[RowError],
) -> SheetRow | None:
    """The row's product, or ``None`` with its faults added to ``errors``."""
    if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
        errors.append(RowError(number, None, f"has {len(cells)} cells, the header {len(header)}"))
        return None
    price: Column = "list_price_fen" if "list_price_fen" in columns else "list_price_yuan"
    # each field of _Row, by the header of the column it comes from
    sources: tuple[tuple[str, Column], ...] = (
        ("sku", "sku"),
        ("name", "name"),
        ("category", "category"),
        ("list_price_fen", price),
    )
    header_of = {name: header[columns[column]] for name, column in sources}

    def cell(column: Column) -> str:
        index = columns.get(column)
        return cells[index] if index is not None and index < len(cells) else ""

    before = len(errors)
    fen = _price(cell(price).strip(), price)
    if isinstance(fen, str):
        errors.append(RowError(number, header_of["list_price_fen"], fen))
    status = _STATUSES.get(cell("status").strip().casefold())
    if cell("status").strip() and status is None:
        problem = "must be active or void (正常 or 作废)"
        errors.append(RowError(number, header[columns["status"]], problem))
    values = {
        "sku": cell("sku"),
        "name": cell("name"),
        "category": cell("category"),
        "list_price_fen": fen if isinstance(fen, int) else 0,
    }
    try:
        checked = _Row.model_validate(values)
    except ValidationError as invalid:
        for error in invalid.errors():
            errors.append(RowError(number, header_of[str(error["loc"][0])], error["msg"]))
        return None
    if len(errors) > before:
        return None
    return SheetRow(
        number, checked.sku, checked.name, checked.category, checked.list_price_fen, status
    )


def _price(text: str, column: Column) -> int | str:
    """Fen from a cell of ``column``, or what is wrong with it."""
    if column == "list_price_fen":
        if not _FEN.fullmatch(text):
            return "must be a whole number of fen, e.g. 25800"
        return int(text)
    if not _YUAN.fullmatch(text):
        return "must be yuan with at most two decimals, e.g. 258.00"
    return int(Decimal(text) * 100)


def plan(sheet: Sheet, current: Mapping[str, ProductState], categories: Iterable[str]) -> Plan:
    """What importing ``sheet`` changes in a catalog whose products are ``current`` (by
    SKU) and whose categories have the codes ``categories``.

    Raises :class:`ImportInvalid` (422) with every row's faults, if any row has one: a
    file is imported whole or not at all.
    """
    known = set(categories)
    errors = list(sheet.errors)
    first_row: dict[str, int] = {}
    items: list[Planned] = []
    for row in sheet.rows:
        if row.sku in first_row:
            problem = f"SKU {row.sku!r} is on row {first_row[row.sku]} already"
            errors.append(RowError(row.row, sheet.header_of("sku"), problem))
            continue
        first_row[row.sku] = row.row
        if row.category not in known:
            problem = f"no category {row.category!r} in the catalog; add it first"
            errors.append(RowError(row.row, sheet.header_of("category"), problem))
            continue
        existing = current.get(row.sku)
        status: Status = row.status or ("active" if existing is None else existing.status)
        wanted = ProductState(row.sku, row.name, row.category, row.list_price_fen, status)
        changes = None if existing is None else existing.changes_to(wanted)
        items.append(Planned(row.row, wanted, changes))
    if errors:
        raise _invalid(errors)
    return Plan(tuple(items))


def _invalid(errors: Sequence[RowError]) -> ImportInvalid:
    ordered = sorted(errors, key=lambda error: error.row)
    listed = ordered[:MAX_LISTED_ERRORS]
    first = listed[0]
    where = f"row {first.row}" + (f", column {first.column!r}" if first.column else "")
    more = f" ({len(ordered)} problems in all, see row_errors)" if len(ordered) > 1 else ""
    return ImportInvalid(
        f"{where}: {first.problem}{more}. Nothing was imported.",
        row_errors=[
            {"row": error.row, "column": error.column, "problem": error.problem} for error in listed
        ],
        row_errors_total=len(ordered),
    )


def write_sheet(products: Iterable[ProductState]) -> bytes:
    """The products as a CSV file in UTF-8 with a byte order mark (so that Excel reads it
    as UTF-8), one row each, whose import changes nothing."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for product in products:
        writer.writerow(
            [product.sku, product.name, product.category, product.list_price_fen, product.status]
        )
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")
