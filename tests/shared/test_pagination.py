"""Cursors: only what the API wrote is accepted, anything else is a 422, never a crash."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from shared.errors import Unprocessable
from shared.pagination import (
    MAX_CURSOR_LENGTH,
    Cursor,
    IdCursor,
    PageKey,
    PageSize,
    SeqCursor,
    as_key,
    decode_cursor,
    encode_cursor,
    keyset_page,
)

ROW = uuid.UUID("6f1c2b9e-8d4a-4f5e-9a51-3c2d7e8f9a10")
AT = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)
CURSOR = encode_cursor(AT, ROW)  # 62 bytes: it ends in padding


class Page(BaseModel):
    cursor: Cursor | None = None
    seq: SeqCursor | None = None
    last: IdCursor | None = None
    limit: PageSize = 50


@pytest.mark.parametrize(
    ("read", "page", "cursor"),
    [([], [], None), ([1, 2], [1, 2], None), ([1, 2, 3], [1, 2], "2")],
)
def test_a_page_is_the_first_limit_rows_and_a_cursor_only_when_a_row_was_left(
    read: list[int], page: list[int], cursor: str | None
) -> None:
    assert keyset_page(read, 2, str) == (page, cursor)


def test_a_first_page_starts_after_no_key_a_next_one_after_its_cursors() -> None:
    assert as_key(None) is None
    assert as_key(PageKey(AT, ROW)) == (AT, ROW)


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


moments = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)


@given(at=moments, row=st.uuids())
def test_a_cursor_round_trips(at: datetime, row: uuid.UUID) -> None:
    cursor = encode_cursor(at, row)
    assert len(cursor) <= MAX_CURSOR_LENGTH
    assert decode_cursor(cursor) == (at, row)
    assert Page(cursor=cursor).cursor == PageKey(at, row)


def test_a_cursor_is_written_in_utc_whatever_the_offset_of_the_time() -> None:
    local = AT.astimezone(timezone(timedelta(hours=8)))
    assert encode_cursor(local, ROW) == encode_cursor(AT, ROW)


GARBAGE = [
    "",
    "not a cursor",
    "1042",
    CURSOR.rstrip("="),  # padding dropped
    CURSOR + "=",
    CURSOR[:10] + "+" + CURSOR[11:],  # the standard alphabet, not the URL-safe one
    CURSOR[:-2] + "B=",  # the same bytes, with a bit set in the padding
    "é" + CURSOR,
    "A" * (10 * 1024 * 1024),  # 10 MB
    _b64(f"{AT.isoformat()}|{ROW}|extra"),
    _b64(f"{AT.isoformat()}"),
    _b64(f"{AT.replace(tzinfo=None).isoformat()}|{ROW}"),  # naive
    _b64(f"{AT.astimezone(timezone(timedelta(hours=8))).isoformat()}|{ROW}"),  # not UTC
    _b64(f"0001-01-01T00:00:00+14:00|{ROW}"),  # overflows once in UTC
    _b64(f"{AT.isoformat()}|{{{ROW}}}"),  # a UUID in braces
    _b64(f"{AT.isoformat()}|{ROW.hex}"),  # a UUID without hyphens
    base64.urlsafe_b64encode(b"\xff\xfe|\x00").decode(),
]


@pytest.mark.parametrize("cursor", GARBAGE, ids=range(len(GARBAGE)))
def test_anything_else_is_refused(cursor: str) -> None:
    with pytest.raises(Unprocessable, match="cursor is not in the form of this list's cursors"):
        decode_cursor(cursor)
    with pytest.raises(ValidationError) as refused:
        Page(cursor=cursor)
    (error,) = refused.value.errors()
    assert error["loc"] == ("cursor",)


@given(text=st.text() | st.binary().map(lambda raw: base64.urlsafe_b64encode(raw).decode()))
def test_any_text_is_a_cursor_or_a_422(text: str) -> None:
    try:
        key = decode_cursor(text)
    except Unprocessable:
        return
    assert encode_cursor(*key) == text


@pytest.mark.parametrize(
    ("seq", "position"), [("1042", 1042), ("0", 0), (str(2**63 - 1), 2**63 - 1)]
)
def test_a_sequence_cursor_is_a_bigint_position(seq: str, position: int) -> None:
    assert Page(seq=seq).seq == position


@pytest.mark.parametrize("seq", ["", "-1", "1.5", str(2**63), "9" * 20, "²", "١٢", " 12", "0x1"])
def test_a_sequence_cursor_refuses_what_is_no_bigint_position(seq: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Page(seq=seq)
    (error,) = refused.value.errors()
    assert error["loc"] == ("seq",)


def test_an_id_cursor_is_the_uuid_as_the_api_writes_it() -> None:
    assert Page(last=str(ROW)).last == ROW


@pytest.mark.parametrize(
    "last", ["", str(ROW).upper(), ROW.hex, f"{{{ROW}}}", f"urn:uuid:{ROW}", f" {ROW}", "x" * 36]
)
def test_an_id_cursor_refuses_any_other_spelling(last: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Page(last=last)
    (error,) = refused.value.errors()
    assert error["loc"] == ("last",)


@pytest.mark.parametrize("limit", [0, 201, -1, 2**64])
def test_page_size_is_bounded(limit: Any) -> None:
    with pytest.raises(ValidationError):
        Page(limit=limit)
    assert Page(limit="200").limit == 200  # a query parameter arrives as text


def test_cursor_schemas_are_bounded_with_valid_examples() -> None:
    properties = Page.model_json_schema()["properties"]
    for field in ("cursor", "seq", "last"):
        (branch, _) = properties[field]["anyOf"]
        assert branch["maxLength"] == MAX_CURSOR_LENGTH
        assert Page.model_validate({field: branch["examples"][0]})
    assert (properties["limit"]["minimum"], properties["limit"]["maximum"]) == (1, 200)
