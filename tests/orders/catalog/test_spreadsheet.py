"""Catalog files as pure functions: encodings, headers, every row's faults at once, plans,
and an export that reads back as itself."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.orders.catalog.domain import ProductState
from services.orders.catalog.errors import ImportInvalid, ImportTooLarge, ImportUnreadable
from services.orders.catalog.spreadsheet.domain import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    decode,
    plan,
    read_sheet,
    write_sheet,
)

CHINESE = "商品编码,品名,分类,价格（元）,状态,规格\r\nHP-1,深海鱼油,health,258.5,正常,60粒\r\n"


def test_utf8_with_and_without_a_byte_order_mark_and_gb18030_are_read_and_named() -> None:
    assert decode(CHINESE.encode()) == (CHINESE, "UTF-8", False)
    assert decode(codecs.BOM_UTF8 + CHINESE.encode()) == (CHINESE, "UTF-8", True)
    assert decode(CHINESE.encode("gb18030")) == (CHINESE, "GB18030", False)


def test_bytes_that_are_neither_encoding_are_refused_saying_where() -> None:
    with pytest.raises(ImportUnreadable) as refused:
        decode(b"sku,name\r\n\xff\xfe\x80")
    assert "byte 10" in refused.value.detail
    with pytest.raises(ImportUnreadable, match="byte order mark"):
        decode(codecs.BOM_UTF8 + "鱼油".encode("gb18030"))


def test_a_file_over_the_byte_cap_is_refused_unread() -> None:
    with pytest.raises(ImportTooLarge):
        decode(b"x" * (MAX_IMPORT_BYTES + 1))


def test_chinese_headers_yuan_prices_and_status_words_are_read() -> None:
    sheet = read_sheet(CHINESE.encode("gb18030"))
    (row,) = sheet.rows
    assert (row.row, row.sku, row.name, row.category, row.list_price_fen, row.status) == (
        2,
        "HP-1",
        "深海鱼油",
        "health",
        25850,
        "active",
    )
    assert sheet.ignored_columns == ("规格",)
    assert sheet.errors == ()


def test_a_header_without_a_needed_column_is_refused_as_row_1() -> None:
    with pytest.raises(ImportInvalid) as refused:
        read_sheet(b"sku,name,price\r\nHP-1,x,1\r\n")
    problems = refused.value.extensions["row_errors"]
    assert {p["row"] for p in problems} == {1}
    assert any("category" in p["problem"] for p in problems)
    assert any("list_price_fen or list_price_yuan" in p["problem"] for p in problems)
    with pytest.raises(ImportInvalid, match="empty"):
        read_sheet(b"")
    with pytest.raises(ImportInvalid, match="once"):
        read_sheet(b"sku,name,category,list_price_fen,list_price_yuan\r\n")


def test_every_faulty_row_is_reported_at_once_with_its_row_and_column() -> None:
    text = (
        "sku,name,category,list_price_fen,status\r\n"
        "HP-1,鱼油,health,25800,active\r\n"
        ",,,,\r\n"  # blank: skipped, still numbered
        "-bad,=HYPERLINK(1),health,12.5,gone\r\n"
        "HP-2,牙膏,health,100,void,extra\r\n"
    )
    sheet = read_sheet(text.encode())  # reads every row, then the plan refuses the file
    assert [row.sku for row in sheet.rows] == ["HP-1"]
    with pytest.raises(ImportInvalid) as refused:
        plan(sheet, {}, ["health"])
    assert refused.value.status == 422
    problems = [(p["row"], p["column"]) for p in refused.value.extensions["row_errors"]]
    assert problems == [
        (4, "list_price_fen"),
        (4, "status"),
        (4, "sku"),
        (4, "name"),
        (5, None),
    ]
    assert refused.value.extensions["row_errors_total"] == 5
    assert refused.value.detail.startswith("row 4, column 'list_price_fen': ")


def test_a_file_over_the_row_cap_is_refused() -> None:
    rows = "".join(f"S{n},n,c,1\r\n" for n in range(MAX_IMPORT_ROWS + 1))
    with pytest.raises(ImportTooLarge):
        read_sheet(("sku,name,category,list_price_fen\r\n" + rows).encode())


def test_a_plan_creates_changes_and_keeps_and_refuses_duplicates_and_unknown_categories() -> None:
    text = (
        "sku,name,category,list_price_fen\r\n"
        "NEW-1,新品,health,100\r\n"
        "OLD-1,旧品,health,200\r\n"
        "OLD-2,原样,daily,300\r\n"
    )
    current = {
        "OLD-1": ProductState("OLD-1", "旧品", "health", 250, "void"),
        "OLD-2": ProductState("OLD-2", "原样", "daily", 300, "active"),
    }
    planned = plan(read_sheet(text.encode()), current, ["health", "daily"])
    assert [(item.row, item.action, item.changes) for item in planned.items] == [
        (2, "created", None),
        (3, "updated", ("list_price_fen",)),  # no status column: a void product stays void
        (4, "unchanged", ()),
    ]
    assert planned.items[1].wanted.status == "void"
    with pytest.raises(ImportInvalid) as refused:
        plan(read_sheet((text + "NEW-1,again,toys,1\r\n").encode()), current, ["health", "daily"])
    assert [p["row"] for p in refused.value.extensions["row_errors"]] == [5]


def test_an_export_reads_back_as_the_same_products_in_utf8_with_a_bom() -> None:
    products = [
        ProductState("HP-1", '鱼油, "深海" 60粒', "health", 25800, "active"),
        ProductState("DG-2", "牙膏", "daily", 0, "void"),
    ]
    data = write_sheet(products)
    assert data.startswith(codecs.BOM_UTF8)
    sheet = read_sheet(data)
    assert (sheet.encoding, sheet.byte_order_mark) == ("UTF-8", True)
    current = {p.sku: p for p in products}
    assert all(
        item.action == "unchanged" for item in plan(sheet, current, ["health", "daily"]).items
    )


_NAMES = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cc", "Cs", "Zl", "Zp", "Cf"]),
    min_size=1,
    max_size=40,
).filter(lambda name: name.strip() and name.strip()[0] not in "=+-@" and name == name.strip())


@given(
    st.lists(
        st.tuples(_NAMES, st.integers(0, 10**10), st.sampled_from(["active", "void"])),
        min_size=1,
        max_size=20,
    )
)
def test_any_export_imports_back_unchanged(rows: list[tuple[str, int, str]]) -> None:
    products = [
        ProductState(f"SKU-{n}", name, "health", price, status)  # type: ignore[arg-type]
        for n, (name, price, status) in enumerate(rows)
    ]
    planned = plan(read_sheet(write_sheet(products)), {p.sku: p for p in products}, ["health"])
    assert [item.wanted for item in planned.items] == products
    assert all(item.action == "unchanged" for item in planned.items)
