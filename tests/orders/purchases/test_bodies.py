"""A sale's body as a store might get it wrong, on the single and the batch path: sent as
another media type than JSON (415), JSON that does not parse or is not UTF-8 (422 at
``body``), in another charset (415), or a member named in none or several ways (422 saying
which)."""

from __future__ import annotations

import httpx
import pytest

from tests.orders.conftest import StoreKey, is_problem, new_key

SALE = '{"card_number": "8860000000017", "lines": [{"sku": "HC-001", "quantity": 1}]}'
PATHS = {
    "/purchases": SALE,
    "/purchases:batch": '{"sales": [{"idempotency_key": "k1", ' + SALE[1:] + "]}",
}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("media", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_a_sale_not_sent_as_json_is_a_415_saying_so(
    client: httpx.AsyncClient, store: StoreKey, path: str, media: str | None
) -> None:
    typed = {} if media is None else {"content-type": media}
    answer = await client.post(path, content=PATHS[path], headers=store.headers | new_key() | typed)
    problem = is_problem(answer, 415)
    assert problem["type"] == "urn:huiyuan:problem:unsupported-media-type"
    assert "Content-Type: application/json" in problem["detail"]


@pytest.mark.parametrize("path", PATHS)
async def test_a_sale_that_is_no_json_is_located_by_line_and_column(
    client: httpx.AsyncClient, store: StoreKey, path: str
) -> None:
    broken = PATHS[path].replace(', "lines"', ',\n"lines"').replace('"quantity": 1', '"quantity" 1')
    answer = await client.post(
        path,
        content=broken,
        headers=store.headers | new_key() | {"content-type": "application/json"},
    )
    (error,) = is_problem(answer, 422)["errors"]
    assert error["location"] == "body"
    assert error["message"].startswith("Not JSON: Expecting ':' delimiter at line 2, column ")


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("media", ["application/json", "application/json; charset=utf-8"])
async def test_a_sale_that_is_not_utf8_is_located_by_line_and_column(
    client: httpx.AsyncClient, store: StoreKey, path: str, media: str
) -> None:
    """A till that encodes its JSON in GBK: the first byte that is not UTF-8 is named (发
    starts with 0xb7 in GBK, a byte no UTF-8 character starts with)."""
    sent = PATHS[path].replace(', "lines"', ',\n"lines"').replace("HC-001", "发热贴")
    answer = await client.post(
        path,
        content=sent.encode("gbk"),
        headers=store.headers | new_key() | {"content-type": media},
    )
    (error,) = is_problem(answer, 422)["errors"]
    column = sent.split("\n")[1].index("发") + 1
    assert error == {
        "location": "body",
        "message": f"Not JSON: not UTF-8, byte 0x{'发'.encode('gbk')[0]:02x} at line 2, "
        f"column {column}",
        "type": "json_invalid",
    }


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("charset", ["gbk", "GB18030", "latin-1"])
async def test_a_sale_in_another_charset_is_a_415_saying_utf8(
    client: httpx.AsyncClient, store: StoreKey, path: str, charset: str
) -> None:
    """谢 in GBK (d0 bb) is UTF-8 too: the declared charset decides, not the bytes."""
    media = {"content-type": f"application/json; charset={charset}"}
    answer = await client.post(
        path,
        content=PATHS[path].replace("HC-001", "谢").encode("gbk"),
        headers=store.headers | new_key() | media,
    )
    problem = is_problem(answer, 415)
    assert problem["type"] == "urn:huiyuan:problem:unsupported-media-type"
    assert f"charset={charset.lower()}" in problem["detail"]
    assert "UTF-8" in problem["detail"]
    assert [error["location"] for error in problem["errors"]] == ["header.Content-Type"]


@pytest.mark.parametrize(
    ("reference", "case"),
    [
        ({}, "none was given"),
        ({"card_number": "8860000000017", "phone": "13800138000"}, "card_number and phone were"),
    ],
)
async def test_a_sale_naming_its_member_in_no_or_two_ways_says_which(
    client: httpx.AsyncClient, store: StoreKey, reference: dict[str, str], case: str
) -> None:
    line = {"sku": "HC-001", "category": "health", "quantity": 1, "unit_price_fen": 100}
    sale = {"lines": [line]} | reference
    single = await client.post("/purchases", json=sale, headers=store.headers | new_key())
    batch = await client.post(
        "/purchases:batch",
        json={"sales": [sale | {"idempotency_key": "k1"}]},
        headers=store.headers,
    )
    assert batch.status_code == 200, batch.text
    (result,) = batch.json()["results"]
    for errors, location in (
        (is_problem(single, 422)["errors"], "body"),
        (result["error"]["errors"], "body.sales.0"),
    ):
        (error,) = errors
        assert error["location"] == location
        assert case in error["message"], error["message"]
