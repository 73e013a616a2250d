"""Through FastAPI: each kind of bad input is a 422 problem naming the field, never a 500."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

import httpx
import pytest
from annotated_types import Len
from fastapi import FastAPI, Query
from pydantic import BaseModel, ConfigDict

from shared.edge import install_edge
from shared.errors import install_problem_handlers
from shared.inputs import (
    MAX_LINES,
    Code,
    Email,
    MultiLine,
    Phone,
    Points,
    Quantity,
    SaleTime,
    SingleLine,
    unbounded_inputs,
)
from shared.pagination import Cursor, PageSize, encode_cursor


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: Annotated[str, Code(64)]
    quantity: Quantity


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, SingleLine(64)]
    benefits: Annotated[str, MultiLine(2000)] | None = None
    phone: Phone | None = None
    email: Email | None = None
    points: Points = 1
    purchased_at: SaleTime | None = None
    lines: Annotated[list[LineIn], Len(0, MAX_LINES)] = []
    labels: Annotated[
        dict[Annotated[str, Code(16)], Annotated[str, SingleLine(8)]], Len(0, 10)
    ] = {}
    by_store: Annotated[dict[uuid.UUID, Points], Len(0, 10)] = {}


class Plain(BaseModel):
    name: str
    points: int
    tags: list[str]
    extra: dict[str, int]


app = FastAPI()
install_problem_handlers(app)
install_edge(app, 1_000_000)


@app.post("/things/{thing_id}")
async def post_thing(thing_id: uuid.UUID, body: Body) -> dict[str, Any]:
    return body.model_dump(mode="json")


@app.get("/things")
async def list_things(
    phone: Annotated[Phone | None, Query()] = None,
    cursor: Annotated[Cursor | None, Query(description="`next_cursor` of the last page")] = None,
    limit: Annotated[PageSize, Query()] = 50,
) -> dict[str, Any]:
    return {"phone": phone, "after": str(cursor.id) if cursor else None, "limit": limit}


unbounded = FastAPI()


@unbounded.post("/plain")
async def post_plain(body: Plain, q: str, n: int = 1) -> None:
    return None


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


THING = f"/things/{uuid.uuid4()}"


async def _refused(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors: list[dict[str, Any]] = response.json()["errors"]
    return errors


@pytest.mark.parametrize(
    ("body", "location", "message"),
    [
        ({"name": "   "}, "body.name", "must not be blank"),
        ({"name": "a\u0000b"}, "body.name", "must not contain a control character (U+0000"),
        ({"name": "VIP\r\nBcc: x"}, "body.name", "must be a single line: found a line break"),
        ({"name": "x", "labels": {"k": "a\nb"}}, "body.labels.k", "must be a single line"),
        ({"name": "x", "phone": "+1 800 555 0100"}, "body.phone", "is not a mobile number"),
        ({"name": "x", "email": "a@b.com\r\nBcc: c@d.com"}, "body.email", ""),
        ({"name": "x", "lines": [{"sku": "=1+1", "quantity": 1}]}, "body.lines.0.sku", "may"),
        (
            {"name": "x", "purchased_at": "0001-01-01T00:00:00+14:00"},
            "body.purchased_at",
            "must not be before",
        ),
        ({"name": "x", "lines": [{"sku": "A", "quantity": 1}] * 201}, "body.lines", "List"),
    ],
)
async def test_each_fault_names_its_field_in_plain_words(
    client: httpx.AsyncClient, body: dict[str, Any], location: str, message: str
) -> None:
    (error,) = await _refused(await client.post(THING, json=body))
    assert error["location"] == location
    assert error["message"].startswith(message)


@pytest.mark.parametrize(
    ("raw", "location"),
    [
        ('{"name": "x", "points": 18446744073709551616}', "body.points"),
        ('{"name": "x", "points": -18446744073709551617}', "body.points"),
        ('{"name": "x", "lines": [{"sku": "A", "quantity": 1e400}]}', "body.lines.0.quantity"),
        ('{"name": "\\ud800"}', "body.name"),
        ('{"name": "x", "benefits": "\\udfff\\n"}', "body.benefits"),
    ],
)
async def test_json_no_column_or_encoder_can_hold_is_refused_by_validation(
    client: httpx.AsyncClient, raw: str, location: str
) -> None:
    """Integers of 2^64 and more and lone surrogates: what orjson and UTF-8 cannot carry."""
    response = await client.post(
        THING, content=raw.encode(), headers={"content-type": "application/json"}
    )
    (error,) = await _refused(response)
    assert error["location"] == location


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            '{"name": "x",,}',
            "Not JSON: Expecting property name enclosed in double quotes at line 1, column 14",
        ),
        (
            '{\n  "name": "x"\n  "points": 2\n}',
            "Not JSON: Expecting ',' delimiter at line 3, column 3",
        ),
        ('{"name": "x"} {}', "Not JSON: Extra data at line 1, column 15"),
        ('{"name": "x\ny"}', "Not JSON: Invalid control character at line 1, column 12"),
        ('{"name": "x', "Not JSON: Unterminated string starting at line 1, column 10"),
    ],
)
async def test_a_body_that_is_no_json_says_where_in_words(
    client: httpx.AsyncClient, raw: str, message: str
) -> None:
    """Where the parse broke as a reader counts it, not as a character offset (``body.15``)."""
    response = await client.post(THING, content=raw, headers={"content-type": "application/json"})
    (error,) = await _refused(response)
    assert (error["location"], error["message"]) == ("body", message)
    assert response.json()["detail"] == f"The request is invalid: body: {message}"


async def test_a_body_that_is_not_utf8_names_its_first_foreign_byte(
    client: httpx.AsyncClient,
) -> None:
    """é in Latin-1 is 0xe9, which starts a three-byte UTF-8 character that '"' cannot go
    on; the column counts the characters before it, 金卡 two of them (six bytes)."""
    raw = '{"name":\n  "金卡 café"}'.encode().replace("é".encode(), "é".encode("latin-1"))
    for media in ("application/json", "application/json; charset=UTF-8"):
        response = await client.post(THING, content=raw, headers={"content-type": media})
        (error,) = await _refused(response)
        message = "Not JSON: not UTF-8, byte 0xe9 at line 2, column 10"
        assert (error["location"], error["message"]) == ("body", message)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        # a leading zero byte makes Python's json read UTF-16, which fails elsewhere (the fuzz)
        (
            b"\x00>\xdb\x9c\x99\x8c\x8c2\x13f\x17\x07r@B(\x17B\xf7",
            "Not JSON: not UTF-8, byte 0x99 at line 1, column 4",  # db 9c is one character
        ),
        # UTF-8 throughout, but its zero bytes make it look like UTF-16 too
        (b'\x00{"name": "x"}\x00', "Not JSON: not UTF-8, byte 0x00 at line 1, column 1"),
    ],
)
async def test_a_body_taken_for_utf16_is_a_422_too(
    client: httpx.AsyncClient, raw: bytes, message: str
) -> None:
    response = await client.post(THING, content=raw, headers={"content-type": "application/json"})
    (error,) = await _refused(response)
    assert (error["location"], error["message"]) == ("body", message)


@pytest.mark.parametrize(
    "media",
    [
        "application/json; charset=ISO-8859-1",
        "application/json;Charset=GBK",
        "application/merge-patch+json; charset=gb18030",
    ],
)
async def test_json_declared_in_another_charset_is_a_415_even_if_it_decodes(
    client: httpx.AsyncClient, media: str
) -> None:
    """谢 in GBK is d0 bb, which is also UTF-8 (л): the declared charset decides, before the
    body is read, so it is never stored garbled."""
    raw = '{"name": "谢"}'.encode("gbk")
    assert raw.decode("utf-8")  # the bytes alone would pass
    response = await client.post(THING, content=raw, headers={"content-type": media})
    assert response.status_code == 415, response.text
    problem = response.json()
    assert problem["detail"].startswith("JSON bodies are UTF-8, and this one came as charset=")
    assert [error["location"] for error in problem["errors"]] == ["header.Content-Type"]


async def test_a_charset_on_another_media_type_is_not_refused_for_it(
    client: httpx.AsyncClient,
) -> None:
    """A CSV upload may come in GB18030; only JSON is bound to UTF-8."""
    response = await client.post(
        THING, content=b"a,b", headers={"content-type": "text/csv; charset=gb18030"}
    )
    assert response.status_code == 415, response.text
    assert response.json()["detail"].endswith("send it with Content-Type: application/json")


@pytest.mark.parametrize(
    "headers",
    [
        {"content-type": "text/plain"},
        {"content-type": "application/x-www-form-urlencoded"},
        {"content-type": "multipart/form-data; boundary=x"},
        {},  # no Content-Type: FastAPI reads no JSON without one
    ],
    ids=["text", "form", "multipart", "none"],
)
async def test_a_json_body_sent_as_another_media_type_is_a_415(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.post(THING, content=b'{"name": "x"}', headers=headers)
    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "urn:huiyuan:problem:unsupported-media-type"
    assert problem["detail"].endswith("send it with Content-Type: application/json")
    assert [error["location"] for error in problem["errors"]] == ["header.Content-Type"]


async def test_json_with_a_charset_or_a_json_suffix_is_read(client: httpx.AsyncClient) -> None:
    for media in ("application/json; charset=utf-8", "application/merge-patch+json"):
        answer = await client.post(THING, content=b'{"name": "x"}', headers={"content-type": media})
        assert answer.status_code == 200, answer.text


async def test_accepted_values_come_back_normalised(client: httpx.AsyncClient) -> None:
    response = await client.post(
        THING,
        json={
            "name": "  VIP贵宾 ",
            "benefits": "95折\r\n生日礼物",
            "phone": "+86 138-1234-5678",
            "purchased_at": "2026-11-23T14:30:00+08:00",
        },
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["name"] == "VIP贵宾"
    assert answer["benefits"] == "95折\n生日礼物"
    assert answer["phone"] == "+8613812345678"
    assert answer["purchased_at"] == "2026-11-23T06:30:00Z"


async def test_query_values_are_parsed_strictly(client: httpx.AsyncClient) -> None:
    row = uuid.uuid4()
    cursor = encode_cursor(datetime.now(UTC), row)
    ok = await client.get("/things", params={"cursor": cursor, "phone": "008613812345678"})
    assert ok.json() == {"phone": "+8613812345678", "after": str(row), "limit": 50}
    for params, location in [
        ({"cursor": "A" * 60_000}, "query.cursor"),  # as long as a URL here may be
        ({"cursor": "garbage"}, "query.cursor"),
        ({"limit": "0"}, "query.limit"),
        ({"limit": str(2**64)}, "query.limit"),
        ({"phone": "12345"}, "query.phone"),
    ]:
        (error,) = await _refused(await client.get("/things", params=params))
        assert error["location"] == location


async def test_path_values_are_parsed_strictly(client: httpx.AsyncClient) -> None:
    (error,) = await _refused(await client.post("/things/not-a-uuid", json={"name": "x"}))
    assert error["location"] == "path.thing_id"


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("/things?phone=%D5%C5", "query.phone"),  # 张 in GBK
        ("/things?limit=5&%D5%C5=1", "query"),
        ("/things?phone=138+%E8%B0", "query.phone"),  # a UTF-8 sequence cut short
        ("/things/%D5%C5", "path"),
        ("/nowhere/%FF", "path"),  # before any route is matched
    ],
)
async def test_a_url_that_is_not_utf8_once_decoded_names_where(
    client: httpx.AsyncClient, url: str, location: str
) -> None:
    """Left to the framework, each byte would read as U+FFFD and the value pass on."""
    answer = await (client.post(url, json={"name": "x"}) if "/things/" in url else client.get(url))
    (error,) = await _refused(answer)
    assert error["location"] == location
    assert error["message"].startswith("is not UTF-8 once percent-decoded (byte 0x")
    assert error["type"] == "string_unicode"


async def test_a_url_with_many_bad_pairs_names_each_parameter_once_and_ten_at_most(
    client: httpx.AsyncClient,
) -> None:
    repeated = await client.get("/things?phone=%D5%C5&phone=%D5%C5&=%FF")
    assert [e["location"] for e in await _refused(repeated)] == ["query.phone", "query"]
    many = "&".join(f"p{n}=%FF" for n in range(3_000))
    refused = await client.get(f"/things?{many}")
    assert [e["location"] for e in await _refused(refused)] == [f"query.p{n}" for n in range(10)]
    assert len(refused.content) < 3_000


async def test_a_url_in_utf8_is_read_whether_escaped_or_not(client: httpx.AsyncClient) -> None:
    answer = await client.get("/things?phone=%2B86+138+1234+5678&note=%E5%BC%A0&n=100%25")
    assert answer.json() == {"phone": "+8613812345678", "after": None, "limit": 50}


def test_every_input_of_this_api_is_bounded() -> None:
    assert unbounded_inputs(app.openapi()) == []


def test_the_audit_names_every_unbounded_input() -> None:
    assert sorted(unbounded_inputs(unbounded.openapi())) == sorted(
        [
            "POST /plain body.extra: object without maxProperties",
            "POST /plain body.extra: object keys without maxLength",
            "POST /plain body.extra: object keys without pattern",
            "POST /plain body.extra.*: integer without minimum and maximum",
            "POST /plain body.name: string without maxLength",
            "POST /plain body.name: string without pattern",
            "POST /plain body.points: integer without minimum and maximum",
            "POST /plain body.tags: array without maxItems",
            "POST /plain body.tags[]: string without maxLength",
            "POST /plain body.tags[]: string without pattern",
            "POST /plain query.n: integer without minimum and maximum",
            "POST /plain query.q: string without maxLength",
            "POST /plain query.q: string without pattern",
        ]
    )
